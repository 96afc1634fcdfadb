// The demo's scripted reviewer through the real review pipeline (runReview: rounds, the findings board, the judge,
// fix anchors): its recorded findings for the demo files land on the right lines, their fixes applied to the demo
// file give exactly the fixed text, a fixed file yields no finding, and a file without a recording is refused with
// what to do instead.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runReview, type ReviewRequest } from "../../../src/core/collab/text/review";
import { locateFix } from "../../../src/core/collab/text/fix-anchor";
import { defaultConfig } from "../../../src/core/config";
import { demoModelConfigs, SCRIPTED_REVIEWER_ID } from "../../../src/core/demo/demo-models";
import { RECORDED_REVIEWS } from "../../../src/core/demo/recorded-reviews";
import { SCRIPTED_REVIEWER_LABEL } from "../../../src/core/demo/scripted-reviewer";
import { Ledger } from "../../../src/core/ledger";
import { Models } from "../../../src/core/models";
import { createProvider } from "../../../src/core/providers/factory";

const DEMO = join(import.meta.dirname, "../../../demo/workspace");

function demoModels(): Models {
  const models = demoModelConfigs([]);
  return new Models(
    { ...defaultConfig(), models },
    (m, key) => createProvider(m, key),
    async () => undefined,
    new Ledger(mkdtempSync(join(tmpdir(), "chorus-demo-"))),
  );
}

function request(file: string, code: string): ReviewRequest {
  return { mode: "refine", file, code, startLine: 1, participants: [SCRIPTED_REVIEWER_ID], rounds: 2 };
}

/** Every finding's fix applied, bottom first, as Apply does (through the fix anchors). */
function applyAll(code: string, fixes: Parameters<typeof locateFix>[1][]): string {
  let lines = code.split("\n");
  const changes = fixes.map((f) => locateFix(lines, f)).sort((a, b) => b.startLine - a.startLine);
  for (const c of changes) lines = [...lines.slice(0, c.startLine - 1), ...c.lines, ...lines.slice(c.endLine)];
  return lines.join("\n");
}

void test("the scripted reviewer's findings for cart.ts go through refine and the judge, and its fixes give the fixed file", async () => {
  const code = readFileSync(join(DEMO, "cart.ts"), "utf8");
  const r = await runReview(demoModels(), request("cart.ts", code), () => undefined);
  assert.equal(r.status === "failed", false, r.reason);
  assert.deepEqual(
    r.findings.map((f) => [f.lines.start, f.title]),
    [
      [18, "The loop reads one item past the end"],
      [26, "The percent is used as a fraction"],
      [30, "Assignment instead of comparison"],
    ],
  );
  assert.ok(r.verdict, "the judge step ran");
  const fixed = applyAll(
    code,
    r.findings.map((f) => f.fix!),
  );
  assert.equal(
    fixed,
    code
      .replace("i <= items.length", "i < items.length")
      .replace("amount * discount.percent;", "(amount * discount.percent) / 100;")
      .replace("(item.sku = sku)", "item.sku === sku"),
  );
});

void test("a demo file whose bugs are fixed gets no finding; Python has its own recording", async () => {
  const py = readFileSync(join(DEMO, "inventory.py"), "utf8");
  const r = await runReview(demoModels(), request("inventory.py", py), () => undefined);
  assert.equal(r.findings.length, 3);
  const fixed = applyAll(
    py,
    r.findings.map((f) => f.fix!),
  );
  const again = await runReview(demoModels(), request("inventory.py", fixed), () => undefined);
  assert.deepEqual(again.findings, [], "the recordings are anchored on the buggy lines, so a fixed file has none");
});

void test("a file without a recording is refused, saying which files it knows and how to get a real reviewer", async () => {
  const r = await runReview(demoModels(), request("src/other.ts", "export const x = 1;\n"), () => undefined);
  assert.equal(r.status, "failed");
  const message = r.dropped[0]?.message ?? "";
  assert.match(message, /recorded findings only for the demo files \(cart\.ts and inventory\.py\); it cannot review other\.ts/);
  assert.match(message, /start Ollama|Set API Key/);
});

void test("the reviewer is labelled as scripted wherever it appears", () => {
  const reviewer = demoModelConfigs([]).find((m) => m.id === SCRIPTED_REVIEWER_ID);
  assert.equal(reviewer?.label, SCRIPTED_REVIEWER_LABEL);
  assert.match(SCRIPTED_REVIEWER_LABEL, /not a model's output/);
  assert.deepEqual(
    RECORDED_REVIEWS.map((r) => r.file),
    ["cart.ts", "inventory.py"],
  );
});
