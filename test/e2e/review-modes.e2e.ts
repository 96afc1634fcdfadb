// Refine with feedback and mixture-of-agents from the command palette, then a debate cancelled from the panel's
// Cancel button: each mode shows its own steps in the timeline and ends with its verdict; a cancelled run says
// so and keeps what it had.
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RecordedRequest } from "../fixtures/fake-ollama";
import { uiTest, type Workbench } from "./harness";

const SAMPLE = ["export function mean(xs: number[]): number {", "  return xs.reduce((a, b) => a + b) / xs.length;", "}", ""].join("\n");
const EMPTY_BUG = {
  lines: [2, 2],
  severity: "error",
  category: "bug",
  title: "Empty array",
  rationale: "reduce without a seed throws on []",
  patch: "  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;",
};

const json = (o: unknown) => "```json\n" + JSON.stringify(o) + "\n```";
let slow = false;

async function modesReply(r: RecordedRequest): Promise<string> {
  const p = r.prompt;
  if (slow) await new Promise((res) => setTimeout(res, 6000));
  if (p.includes("Synthesise one review"))
    return JSON.stringify({ summary: "Aggregated: seed the reduce.", decisions: [{ finding: "F1", decision: "accept", reason: "both proposers found it" }] });
  if (p.includes("Decide each finding"))
    return JSON.stringify({ summary: "Refined: seed the reduce and handle [].", decisions: [{ finding: "F1", decision: "accept", reason: "" }] });
  if (p.includes("The author's review:"))
    return json({
      findings: [],
      votes: [{ finding: "F1", stance: "dispute", reason: "the fix returns NaN silently; say so in the rationale" }],
      summary: "Patch needs a note.",
    });
  if (p.includes("The critic's feedback"))
    return json({ findings: [], votes: [{ finding: "F1", stance: "support", reason: "kept; NaN is intended for []" }], summary: "Kept F1." });
  if (p.startsWith("Review this code")) return json({ findings: [EMPTY_BUG], summary: `${r.model} found one bug.` });
  return `fake reply from ${r.model ?? "?"}`;
}

async function roundLabels(wb: Workbench): Promise<string[]> {
  return (await wb.webview().locator(".round h3").allInnerTexts()).map((t) => t.trim().toLowerCase());
}

uiTest(
  "review: refine and mixture-of-agents from the command palette; cancel keeps the run's state",
  async (wb) => {
    wb.fakes.ollama.setReply(modesReply);
    const folder = new URL(wb.page.url()).searchParams.get("folder");
    assert.ok(folder);
    writeFileSync(join(folder, "mean.ts"), SAMPLE);
    await wb.openFile("mean.ts", "mean", 15_000);
    const view = wb.webview();

    await wb.runCommand("Chorus: Refine with Feedback");
    await view.locator("h1", { hasText: "Refine with feedback" }).waitFor({ timeout: 30_000 });
    await view.locator(".verdict", { hasText: "Verdict by beta" }).waitFor({ timeout: 30_000 });
    assert.deepEqual(await roundLabels(wb), ["draft", "critique 1", "revision 1", "verdict"]);
    const f1 = view.locator('article.finding[data-finding="F1"]');
    assert.match(await f1.innerText(), /beta \(round 2\) disputes: the fix returns NaN silently/);
    await wb.screenshot("refine");

    await wb.runCommand("Chorus: Review with Mixture of Agents");
    await view.locator("h1", { hasText: "Mixture-of-agents review" }).waitFor({ timeout: 30_000 });
    await view.locator(".verdict", { hasText: "Verdict by alpha" }).waitFor({ timeout: 30_000 });
    assert.deepEqual(await roundLabels(wb), ["proposals", "aggregation"]);
    assert.match(await f1.innerText(), /Raised by alpha/);
    assert.match(await f1.innerText(), /Supported by beta/);
    assert.match(await f1.innerText(), /Aggregator: accept/);
    await wb.screenshot("mixture");

    // A slow debate, cancelled from the panel: the status says so promptly and the panel stays usable.
    slow = true;
    await wb.runCommand("Chorus: Review File");
    await view.locator(".status", { hasText: "Running · Round 1" }).waitFor({ timeout: 30_000 });
    const started = Date.now();
    await view.locator('vscode-button[data-action="cancel-run"]').click();
    await view.locator(".status", { hasText: "Cancelled" }).waitFor({ timeout: 5_000 });
    assert.ok(Date.now() - started < 5_000);
    assert.equal(await view.locator('vscode-button[data-action="cancel-run"]').count(), 0, "no Cancel button once stopped");
    assert.match(await view.locator('.round[data-round="1"]').innerText(), /stopped/);
    await wb.screenshot("cancelled");

    // A window reload in the middle of a run: the panel comes back and says the run was interrupted.
    await wb.runCommand("Chorus: Review File");
    await view.locator(".status", { hasText: "Running · Round 1" }).waitFor({ timeout: 30_000 });
    await wb.page.reload();
    await wb.page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
    await wb.webview().locator(".status", { hasText: "interrupted by a window reload" }).waitFor({ timeout: 30_000 });
    assert.equal(await wb.webview().locator('vscode-button[data-action="cancel-run"]').count(), 0);
    slow = false;
  },
  {
    settings: (fakes) => ({
      "chorus.models": [
        { id: "alpha", provider: "ollama", endpoint: fakes.ollama.url, model: "qwen2.5-coder:1.5b", tags: ["local"] },
        { id: "beta", provider: "ollama", endpoint: fakes.ollama.url, model: "llama3.2:1b", tags: ["local"] },
      ],
      "chorus.review.participants": ["alpha", "beta"],
      "chorus.review.rounds": 1,
    }),
  },
);
