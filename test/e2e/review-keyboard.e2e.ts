// With no chorus.review.participants set, "Review Selection with Debate" asks which models take part (a
// multi-select quick pick that starts with the models ticked, and asks again when only one is left ticked); the run
// reviews only the selected lines; the findings are usable from the keyboard:
// ↓ moves between findings, Enter reveals a finding's lines in the editor and keyboard focus stays in the panel
// (it used to move to the editor, where the next Enter split a line of code).
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RecordedRequest } from "../fixtures/fake-ollama";
import { uiTest } from "./harness";

const SAMPLE = ["// header", "export function first(xs: number[]): number {", "  return xs[0];", "}", "", "export const unused = 1;", ""].join("\n");

function reply(r: RecordedRequest): string {
  if (r.prompt.includes("Decide each finding")) return JSON.stringify({ summary: "Check for empty arrays.", decisions: [] });
  if (r.prompt.startsWith("Review this code")) {
    // The prompt shows only the selected lines (2–4), numbered as in the file.
    const shown = /lines (\d+)–(\d+)/.exec(r.prompt);
    return (
      "```json\n" +
      JSON.stringify({
        findings: [
          {
            lines: [3, 3],
            severity: "warning",
            category: "bug",
            title: `xs[0] on [] (saw ${shown?.[1]}-${shown?.[2]})`,
            rationale: "returns undefined typed as number",
          },
          { lines: [2, 2], severity: "info", category: "style", title: "Name", rationale: "first of what?" },
        ],
        summary: "two",
      }) +
      "\n```"
    );
  }
  return `fake reply from ${r.model ?? "?"}`;
}

uiTest(
  "review: models picked in a quick pick; a selection is reviewed; findings work from the keyboard",
  async (wb) => {
    wb.fakes.ollama.setReply(reply);
    const folder = new URL(wb.page.url()).searchParams.get("folder");
    assert.ok(folder);
    writeFileSync(join(folder, "first.ts"), SAMPLE);
    await wb.openFile("first.ts", "unused", 15_000);
    const editorLines = wb.page.locator(".monaco-editor .view-lines").first();

    // Select lines 2–4 with the keyboard: Ctrl+G 2, then Shift+↓ three times.
    await editorLines.click();
    await wb.page.keyboard.press("Control+G");
    await wb.quickInput().fill(":2");
    await wb.page.keyboard.press("Enter");
    for (let i = 0; i < 3; i++) await wb.page.keyboard.press("Shift+ArrowDown");

    // Not wb.runCommand: it clicks into the editor first, which would drop the selection.
    await wb.page.keyboard.press("F1");
    await wb.quickInput().fill(">Chorus: Review Selection with Debate");
    await wb.quickPickRows().filter({ hasText: "Review Selection with Debate" }).first().waitFor({ timeout: 15_000 });
    await wb.page.keyboard.press("Enter");
    const rows = wb.quickPickRows();
    await rows.filter({ hasText: "alpha" }).first().waitFor({ timeout: 15_000 });
    assert.match(await wb.page.locator(".quick-input-widget").innerText(), /Models for the debate/);
    // Both configured models start ticked, so Enter alone starts the run.
    await wb.until("the picker to tick both models", async () => /2 Selected/.test(await wb.page.locator(".quick-input-widget").innerText()));
    // A debate of one is no debate: with beta unticked, Enter asks again (alpha still ticked) instead of failing.
    const tick = (model: string) =>
      rows.filter({ hasText: model }).first().locator('.quick-input-list-checkbox, input[type="checkbox"], .monaco-custom-toggle').first().click();
    await tick("beta");
    await wb.until("beta to be unticked", async () => /1 Selected/.test(await wb.page.locator(".quick-input-widget").innerText()));
    // Enter from the filter box accepts the pick. VS Code 1.139 keeps the focus on the clicked row, where Enter
    // toggles that row's box again instead (1.100 accepted from the row too).
    await wb.quickInput().focus();
    await wb.page.keyboard.press("Enter");
    await wb.until(
      "the picker to ask again for a second model",
      async () =>
        (await wb.quickInput().getAttribute("placeholder"))?.includes("A debate needs at least two models") === true &&
        /1 Selected/.test(await wb.page.locator(".quick-input-widget").innerText()),
    );
    await tick("beta");
    await wb.until("the picker to tick both models again", async () => /2 Selected/.test(await wb.page.locator(".quick-input-widget").innerText()));
    await wb.quickInput().focus(); // as above: Enter accepts from the filter box
    await wb.page.keyboard.press("Enter");

    const view = wb.webview();
    await view.locator(".verdict", { hasText: "Check for empty arrays." }).waitFor({ timeout: 30_000 });
    assert.match(await view.locator("h1").innerText(), /first\.ts:2–4/);
    const f1 = view.locator('article.finding[data-finding="F1"]');
    assert.match(await f1.innerText(), /saw 2-4/);
    assert.match(await f1.innerText(), /2 for · 0 against/, "both models raised the same issue");

    // Keyboard: focus F1, ↓ to F2, Enter reveals F2's line (2) selected in the editor.
    await f1.focus();
    await wb.page.keyboard.press("ArrowDown");
    assert.equal(await view.locator("article.finding:focus").getAttribute("data-finding"), "F2");
    await wb.page.keyboard.press("Enter");
    const editor = wb.page.locator(".editor-instance .monaco-editor", { hasText: "unused" }).first();
    await wb.until("the editor to select line 2", async () => (await editor.locator(".selected-text").count()) > 0);
    assert.equal(await view.locator("article.finding:focus").getAttribute("data-finding"), "F2", "focus stays on the finding");
    // A second Enter reveals again; it must not reach the editor and split the line.
    await wb.page.keyboard.press("Enter");
    await new Promise((r) => setTimeout(r, 500));
    const tab = wb.page.locator(".tabs-container .tab", { hasText: "first.ts" }).first();
    assert.ok(!/\bdirty\b/.test((await tab.getAttribute("class")) ?? ""), "first.ts was not edited");
    assert.match((await editorLines.innerText()).replace(/\s+/g, " "), /export function first\(xs: number\[\]\): number \{/);
    await wb.screenshot("keyboard");

    // Theme-aware: switching VS Code to a dark theme recolours the panel (it uses only theme variables).
    const colours = () => view.locator("body").evaluate((b) => `${getComputedStyle(b).backgroundColor} / ${getComputedStyle(b).color}`);
    const light = await colours();
    await wb.runCommand("Preferences: Toggle between Light/Dark Themes");
    await wb.until("the panel to follow the theme", async () => (await colours()) !== light);
    await view.locator("article.finding").first().waitFor();
    await wb.screenshot("dark");
  },
  {
    settings: (fakes) => ({
      "chorus.models": [
        { id: "alpha", provider: "ollama", endpoint: fakes.ollama.url, model: "qwen2.5-coder:1.5b", tags: ["local"] },
        { id: "beta", provider: "ollama", endpoint: fakes.ollama.url, model: "llama3.2:1b", tags: ["local"] },
      ],
      "chorus.review.participants": [],
      "chorus.review.rounds": 1,
    }),
  },
);
