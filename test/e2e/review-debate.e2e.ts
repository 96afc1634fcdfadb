// "Chorus: Review File" in a real VS Code: two models on the (stand-in) Ollama server debate a file over two
// rounds, the panel shows the rounds streaming in, a finding that one model disputes shows its dissent, the
// judge's verdict arrives, and "Apply fix" changes the document (undoably, through a WorkspaceEdit). Alpha is the
// strong tier and beta the cheap one, so the outcome (alpha's bug kept, beta's style note thrown out) and the fix
// the user applies teach the router, which saves what it learned.
import * as assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RecordedRequest } from "../fixtures/fake-ollama";
import { CHORUS_GLOBAL_STORAGE, uiTest, type Workbench } from "./harness";

const SAMPLE = ["export function divide(a: number, b: number): number {", "  return a / b;", "}", ""].join("\n");
const ALPHA = "qwen2.5-coder:1.5b";
const BETA = "llama3.2:1b";

function reviewJson(findings: unknown[], votes: unknown[], summary: string): string {
  return "```json\n" + JSON.stringify({ findings, votes, summary }, null, 1) + "\n```";
}

/** The two reviewers and the judge, scripted on what the prompt asks (as a real model would read it). */
async function debateReply(r: RecordedRequest): Promise<string> {
  const p = r.prompt;
  if (p.includes("Decide each finding"))
    return JSON.stringify({
      summary: "Guard the division; the doc comment is optional.",
      decisions: [
        { finding: "F1", decision: "accept", reason: "b = 0 gives Infinity silently" },
        { finding: "F2", decision: "reject", reason: "a one-line function needs no comment" },
      ],
    });
  if (p.includes("Round 2 of a review debate")) {
    // Slow enough that the panel visibly shows round 2 being written while round 1 is already there, even when a
    // loaded machine takes seconds over the checks of round 1 (at 2.5 s the run sometimes finished first).
    await new Promise((res) => setTimeout(res, 6000));
    return r.model === ALPHA
      ? reviewJson(
          [],
          [
            { finding: "F1", stance: "support", reason: "still a bug" },
            { finding: "F2", stance: "dispute", reason: "the name says it all" },
          ],
          "Keep F1.",
        )
      : reviewJson(
          [],
          [
            { finding: "F1", stance: "dispute", reason: "callers already check b before calling" },
            { finding: "F2", stance: "support", reason: "" },
          ],
          "F1 is handled by callers.",
        );
  }
  if (p.startsWith("Review this code"))
    return r.model === ALPHA
      ? reviewJson(
          [
            {
              lines: [2, 2],
              severity: "error",
              category: "bug",
              title: "Division by zero",
              rationale: "When `b` is 0 this returns Infinity instead of failing.",
              patch: '  if (b === 0) throw new RangeError("b must not be 0");\n  return a / b;',
            },
          ],
          [],
          "One bug.",
        )
      : reviewJson(
          [{ lines: [1, 1], severity: "info", category: "readability", title: "No doc comment", rationale: "Exported functions should say what they do." }],
          [],
          "Style only.",
        );
  return `fake reply from ${r.model ?? "?"}`;
}

/** How many lessons the router saved in this instance's global storage (0 before the first). */
function routerLessons(wb: Workbench): number {
  const file = join(wb.userDataDir, CHORUS_GLOBAL_STORAGE, "routing", "router.json");
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { seen: number }).seen : 0;
}

uiTest(
  "review: a two-model debate streams into the panel, shows dissent and applies a fix",
  async (wb) => {
    wb.fakes.ollama.setReply(debateReply);
    // The panel's strict CSP must not be blocking anything it needs (the elements library, our script and CSS).
    const cspViolations: string[] = [];
    wb.page.on("console", (m) => {
      // The workbench's own (gallery fetches blocked by code-server's CSP) are not ours: only the webview's count.
      const inWebview = /webview/i.test(m.location().url) || /(script|style|font|img|default)-src/.test(m.text());
      if (/Content Security Policy/i.test(m.text()) && inWebview) cspViolations.push(`${m.text()} @ ${m.location().url}`);
    });
    const requestsBefore = wb.fakes.ollama.requests.length;
    const folder = new URL(wb.page.url()).searchParams.get("folder");
    assert.ok(folder, "the workbench URL names its folder");
    writeFileSync(join(folder, "divide.ts"), SAMPLE);
    await wb.openFile("divide.ts", "divide", 15_000);

    await wb.runCommand("Chorus: Review File");
    const view = wb.webview();
    await view.locator("h1", { hasText: "Debate review" }).waitFor({ timeout: 30_000 });

    // Round 1 has arrived (both columns written) while round 2 is still being written.
    await view.locator(".round h3", { hasText: "Round 2" }).waitFor({ timeout: 20_000 });
    const round1 = view.locator('.round[data-round="1"]');
    assert.equal(await round1.locator(".column").count(), 2);
    // A finished structured reply shows the model's summary, with the full reply folded beneath it.
    const alpha1 = round1.locator('.column[data-model="alpha"]');
    assert.match(await alpha1.innerText(), /One bug\./);
    assert.match((await alpha1.locator("details.full-reply").textContent()) ?? "", /Division by zero/);
    assert.match(await view.locator(".status").innerText(), /Running · Round 2/);
    assert.ok((await view.locator('.round[data-round="2"] .column.col-streaming').count()) > 0, "round 2 is still streaming");
    await view.locator('.round[data-round="2"]').scrollIntoViewIfNeeded();
    await wb.screenshot("streaming");

    // The run ends with the judge's verdict; dissent stays visible on both findings.
    await view.locator(".verdict", { hasText: "Verdict by alpha" }).waitFor({ timeout: 30_000 });
    await view.locator(".status", { hasText: "Finished" }).waitFor({ timeout: 10_000 });
    await wb.until("the router to learn from the finished debate", async () => routerLessons(wb) === 1);
    const f1 = view.locator('article.finding[data-finding="F1"]');
    const f1Text = await f1.innerText();
    assert.match(f1Text, /Disputed by beta/);
    assert.match(f1Text, /beta \(round 2\) disputes: callers already check b before calling/);
    assert.match(f1Text, /1 for · 1 against/);
    assert.match(f1Text, /Judge: accept/);
    assert.match(await view.locator('article.finding[data-finding="F2"]').innerText(), /1 for · 1 against · split/);
    await f1.scrollIntoViewIfNeeded();
    await wb.screenshot("panel");
    assert.deepEqual(cspViolations, [], "no CSP violations while the panel rendered");

    // "Preview fix" opens a diff editor against a virtual document; the file itself is untouched.
    await f1.locator('vscode-button[data-action="preview-fix"]').click();
    await wb.page.locator(".tab", { hasText: "divide.ts ↔ fix F1 (Chorus)" }).waitFor({ timeout: 15_000 });
    await wb.page.locator(".monaco-diff-editor").first().waitFor();
    await wb.screenshot("preview");
    await wb.page
      .locator(".tab", { hasText: /^divide\.ts$/ })
      .first()
      .click();

    await f1.locator('vscode-button[data-action="apply-fix"]').click();
    await wb.until("the editor to show the fix", async () => (await wb.page.locator(".monaco-editor .view-lines").first().innerText()).includes("RangeError"));
    await f1.locator('vscode-button[data-action="apply-fix"]', { hasText: "Applied" }).waitFor();
    await wb.until("the router to learn from the applied fix (F1 was raised by the strong tier alone)", async () => routerLessons(wb) === 2);
    await wb.screenshot("applied");

    // One WorkspaceEdit: a single undo in the editor takes the whole fix back, and redo brings it again.
    const lines = wb.page.locator(".monaco-editor .view-lines").first();
    await lines.click();
    await wb.page.keyboard.press("Control+Z");
    await wb.until("the undo to remove the fix", async () => !(await lines.innerText()).includes("RangeError"));
    assert.match(await lines.innerText(), /return\s+a\s+\/\s+b;/, "Monaco renders spaces as no-break spaces; \\s matches both");
    await wb.page.keyboard.press("Control+Shift+Z");
    await wb.until("the redo to bring the fix back", async () => (await lines.innerText()).includes("RangeError"));

    // The panel survives a reload of the window, findings and all, and still knows the fix was applied.
    await wb.page.reload();
    await wb.page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
    await wb
      .webview()
      .locator('article.finding[data-finding="F1"] vscode-button[data-action="apply-fix"]', { hasText: "Applied" })
      .waitFor({ timeout: 30_000 });
    assert.match(await wb.webview().locator(".verdict").innerText(), /Guard the division/);

    // The stand-in server saw exactly the calls a two-round debate makes.
    const chats = wb.fakes.ollama.requests.slice(requestsBefore).filter((x) => x.path === "/api/chat");
    assert.equal(chats.length, 5, "2 models × 2 rounds + the judge");
  },
  {
    settings: (fakes) => ({
      "chorus.models": [
        { id: "alpha", provider: "ollama", endpoint: fakes.ollama.url, model: ALPHA, tags: ["local", "strong"] },
        { id: "beta", provider: "ollama", endpoint: fakes.ollama.url, model: BETA, tags: ["local"] },
      ],
      "chorus.review.participants": ["alpha", "beta"],
      "chorus.review.rounds": 2,
      "chorus.review.judge": "alpha",
    }),
  },
);
