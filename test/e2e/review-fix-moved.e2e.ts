// Issue #22, item 1 (data loss): after a review, the user types a line above a finding and clicks "Apply fix".
// The fix used to be applied by the review's line numbers, so it replaced the function's signature instead of its
// body. Now a fix follows its code when the code moved, is refused with a message when the code it was written for
// was edited (Preview fix too), and keeps working after a window reload (the anchor travels in the panel's
// snapshot). Every step checks the file's exact text on disk after saving.
import * as assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RecordedRequest } from "../fixtures/fake-ollama";
import { uiTest, type Workbench } from "./harness";

const SAMPLE = [
  "export function divide(a: number, b: number): number {",
  "  return a / b;",
  "}",
  "",
  "export function mean(xs: number[]): number {",
  "  return xs.reduce((a, b) => a + b) / xs.length;",
  "}",
  "",
  "export function last<T>(xs: T[]): T {",
  "  return xs[xs.length - 1];",
  "}",
  "",
];
const DIVIDE_GUARD = '  if (b === 0) throw new RangeError("b must not be 0");';
const MEAN_FIXED = "  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;";
const LAST_GUARD = '  if (xs.length === 0) throw new RangeError("xs is empty");';

const json = (o: unknown) => "```json\n" + JSON.stringify(o) + "\n```";
const finding = (line: number, title: string, patch: string) => ({
  lines: [line, line],
  severity: "error",
  category: "bug",
  title,
  rationale: `${title}.`,
  patch,
});

/** alpha finds three bugs (line numbers as the review showed them), beta none; the judge accepts all three. */
function reply(r: RecordedRequest): string {
  if (r.prompt.includes("Decide each finding"))
    return JSON.stringify({ summary: "Fix all three.", decisions: ["F1", "F2", "F3"].map((f) => ({ finding: f, decision: "accept", reason: "real" })) });
  if (r.prompt.startsWith("Review this code"))
    return r.model === "qwen2.5-coder:1.5b"
      ? json({
          findings: [
            finding(2, "Division by zero", `${DIVIDE_GUARD}\n  return a / b;`),
            finding(6, "Empty array", MEAN_FIXED),
            finding(10, "Empty list", `${LAST_GUARD}\n  return xs[xs.length - 1];`),
          ],
          votes: [],
          summary: "Three bugs.",
        })
      : json({ findings: [], votes: [], summary: "Nothing to add." });
  return `fake reply from ${r.model ?? "?"}`;
}

const editorLine = (wb: Workbench, text: string) => wb.page.locator(".monaco-editor .view-line", { hasText: text }).first();

/** Save the editor (Ctrl+S) and wait until the file on disk is exactly `lines`. */
async function saveAndExpect(wb: Workbench, file: string, lines: string[], what: string): Promise<void> {
  // Clicking the file's tab focuses its editor without moving the cursor (the review panel's tab says "Chorus Review: …").
  await wb.page
    .locator(".tab", { hasText: /^calc\.ts/ })
    .first()
    .click();
  await wb.page.keyboard.press("Control+S");
  const expected = lines.join("\n");
  await wb
    .until(`the saved file to be ${what}`, async () => readFileSync(file, "utf8") === expected, 10_000)
    .catch(() => {
      assert.equal(readFileSync(file, "utf8"), expected, what);
    });
}

/** Type a new first line, as a user would: Enter at the start of the file, up, type. */
async function typeFirstLine(wb: Workbench, text: string): Promise<void> {
  await editorLine(wb, "export function divide").click();
  await wb.page.keyboard.press("Control+Home");
  await wb.page.keyboard.press("Enter");
  await wb.page.keyboard.press("ArrowUp");
  await wb.page.keyboard.type(text, { delay: 20 });
  await wb.page.keyboard.press("Escape");
}

async function openCalc(wb: Workbench): Promise<void> {
  await wb.runCommand("Go to File");
  await wb.pick("calc.ts");
  await editorLine(wb, "export function divide").waitFor({ timeout: 15_000 });
}

const card = (wb: Workbench, id: string) => wb.webview().locator(`article.finding[data-finding="${id}"]`);

async function errorToast(wb: Workbench, text: RegExp): Promise<string> {
  const toast = wb.notifications().filter({ hasText: text }).first();
  await toast.waitFor({ timeout: 15_000 });
  return toast.innerText();
}

uiTest(
  "review: Apply fix after the code moved applies at the moved lines; after its lines were edited it refuses and changes nothing",
  async (wb) => {
    wb.fakes.ollama.setReply(reply);
    const folder = new URL(wb.page.url()).searchParams.get("folder");
    assert.ok(folder, "the workbench URL names its folder");
    const file = join(folder, "calc.ts");
    writeFileSync(file, SAMPLE.join("\n"));
    await openCalc(wb);

    await wb.runCommand("Chorus: Review File");
    await wb.webview().locator(".status", { hasText: "Finished" }).waitFor({ timeout: 60_000 });
    assert.match(await card(wb, "F1").locator(".loc").innerText(), /^line 2$/);

    // The user adds a line above every finding after the review.
    await typeFirstLine(wb, "// checked by hand");
    const moved = ["// checked by hand", ...SAMPLE];
    await saveAndExpect(wb, file, moved, "the sample with one line typed above it");

    // Apply fix for F1 (review line 2, now line 3): the guard goes into divide's body; the signature stays.
    await card(wb, "F1").locator('vscode-button[data-action="apply-fix"]').click();
    await card(wb, "F1").locator('vscode-button[data-action="apply-fix"]', { hasText: "Applied" }).waitFor({ timeout: 15_000 });
    const fixed1 = [...moved.slice(0, 2), DIVIDE_GUARD, ...moved.slice(2)];
    await saveAndExpect(wb, file, fixed1, "the F1 fix at the moved lines");
    // The panel's line numbers follow the code: the typed line and the guard moved F2 and F3 down by two.
    await wb.until("the panel to show the findings' new lines", async () => /^line 8$/.test(await card(wb, "F2").locator(".loc").innerText()));
    assert.match(await card(wb, "F3").locator(".loc").innerText(), /^line 12$/);
    assert.match(await card(wb, "F1").locator(".loc").innerText(), /lines 3–4/, "F1 names the lines its fix wrote");
    await wb.screenshot("applied-moved");

    // The user edits F3's own line: its fix no longer fits. Preview and Apply both refuse, and say why.
    await editorLine(wb, "return xs[xs.length - 1];").click();
    await wb.page.keyboard.press("End");
    await wb.page.keyboard.type(" // may be undefined", { delay: 20 });
    const edited = fixed1.map((l) => (l === "  return xs[xs.length - 1];" ? `${l} // may be undefined` : l));
    await saveAndExpect(wb, file, edited, "F3's line edited by the user");
    await card(wb, "F3").locator('vscode-button[data-action="preview-fix"]').click();
    assert.match(await errorToast(wb, /could not preview the fix for F3/), /line 12 changed since the review.*run the review again/);
    await card(wb, "F3").locator('vscode-button[data-action="apply-fix"]').click();
    assert.match(await errorToast(wb, /could not apply the fix for F3/), /line 12 changed since the review.*run the review again/);
    assert.equal(await wb.page.locator(".tab.dirty", { hasText: "calc.ts" }).count(), 0, "the refused fix left the document untouched");
    assert.equal(readFileSync(file, "utf8"), edited.join("\n"));
    assert.equal(await card(wb, "F3").locator('vscode-button[data-action="apply-fix"]').innerText(), "Apply fix");
    await wb.screenshot("refused");

    // After a window reload the restored findings still carry their fixes' anchors: F2 follows its code again.
    await wb.page.reload();
    await wb.page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
    await card(wb, "F1").locator('vscode-button[data-action="apply-fix"]', { hasText: "Applied" }).waitFor({ timeout: 30_000 });
    await openCalc(wb);
    await typeFirstLine(wb, "// reloaded");
    const reloaded = ["// reloaded", ...edited];
    await saveAndExpect(wb, file, reloaded, "a second line typed above after the reload");
    await card(wb, "F2").locator('vscode-button[data-action="apply-fix"]').click();
    await card(wb, "F2").locator('vscode-button[data-action="apply-fix"]', { hasText: "Applied" }).waitFor({ timeout: 15_000 });
    await saveAndExpect(
      wb,
      file,
      reloaded.map((l) => (l === SAMPLE[5] ? MEAN_FIXED : l)),
      "the F2 fix at its line after the reload",
    );
    await wb.until("F2 to show its line after the reload", async () => /^line 9$/.test(await card(wb, "F2").locator(".loc").innerText()));
    assert.match(await card(wb, "F1").locator(".loc").innerText(), /lines 4–5/, "F1, fixed before the reload, follows what its fix wrote");
    await wb.screenshot("applied-after-reload");
  },
  {
    settings: (fakes) => ({
      "chorus.models": [
        { id: "alpha", provider: "ollama", endpoint: fakes.ollama.url, model: "qwen2.5-coder:1.5b", tags: ["local", "strong"] },
        { id: "beta", provider: "ollama", endpoint: fakes.ollama.url, model: "llama3.2:1b", tags: ["local"] },
      ],
      "chorus.review.participants": ["alpha", "beta"],
      "chorus.review.rounds": 1,
      "chorus.review.judge": "alpha",
      // Saving must write exactly what the editor holds.
      "files.autoSave": "off",
      "files.trimTrailingWhitespace": false,
      "files.insertFinalNewline": false,
      "editor.formatOnSave": false,
    }),
  },
);
