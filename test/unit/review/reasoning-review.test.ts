// A reasoning model in a review: OpenAI's max_completion_tokens also pays for hidden reasoning, so the review's
// 4,096-token limit can be spent before any answer ("you may not see any visible output tokens", OpenAI's reasoning
// guide). The model then drops out saying so and what to raise — not an empty reply read as "no findings" — and
// with "maxOutputTokens" raised in its model settings it takes part.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runReview } from "../../../src/core/collab/text/review";
import { defaultConfig, type ModelConfig } from "../../../src/core/config";
import { Ledger } from "../../../src/core/ledger";
import { Models } from "../../../src/core/models";
import { createProvider } from "../../../src/core/providers/factory";
import { startFakeOllama } from "../../fixtures/fake-ollama";
import { startFakeOpenAI } from "../../fixtures/fake-openai";

const CODE = "function div(a, b) {\n  return a / b;\n}";
const FINDINGS =
  "```json\n" +
  JSON.stringify({
    findings: [{ lines: [2, 2], severity: "error", category: "bug", title: "Division by zero", rationale: "b may be 0" }],
    summary: "one bug",
  }) +
  "\n```";

async function review(reasoner: Partial<ModelConfig>) {
  const ollama = await startFakeOllama({ models: ["coder:1b"], reply: () => '```json\n{"findings": [], "summary": "fine"}\n```' });
  const openai = await startFakeOpenAI({ models: ["o3-mini"], reasoning: { models: ["o3-mini"], reasoningTokens: 5000 }, reply: () => FINDINGS });
  try {
    const models: ModelConfig[] = [
      { id: "local", provider: "ollama", model: "coder:1b", endpoint: ollama.url, tags: ["local"] },
      { id: "o3", provider: "openai", model: "o3-mini", endpoint: openai.url, tags: ["cloud"], priceIn: 1.1, priceOut: 4.4, ...reasoner },
    ];
    const ledger = new Ledger(mkdtempSync(join(tmpdir(), "chorus-reasoning-review-")));
    const m = new Models(
      { ...defaultConfig(), models },
      (mc, key) => createProvider(mc, key),
      async () => undefined,
      ledger,
    );
    const r = await runReview(
      m,
      { mode: "mixture", file: "div.js", code: CODE, startLine: 1, participants: ["local", "o3"], judge: "local", rounds: 1 },
      () => {},
    );
    return { r, sent: openai.requests.map((q) => q.body ?? {}), ledger: ledger.read() };
  } finally {
    await Promise.all([ollama.close(), openai.close()]);
  }
}

void test("a reasoning model that spends the review's whole limit thinking drops out saying what to raise", async () => {
  const { r, ledger } = await review({});
  assert.deepEqual(
    r.dropped.map((d) => d.model),
    ["o3"],
  );
  assert.match(
    r.dropped[0]!.message,
    /'o3-mini' at .* spent its whole output limit \(4096 of 4096 tokens\) on reasoning and wrote no answer — raise "maxOutputTokens" for this model in chorus\.models/,
  );
  const billed = ledger.find((e) => e.model === "o3" && !e.ok);
  assert.equal(billed?.reasoningTokens, 4096, "the thinking it was billed for is in the ledger");
});

void test("with maxOutputTokens raised for it, the reasoning model reviews", async () => {
  const { r, sent } = await review({ maxOutputTokens: 8000, reasoningEffort: "low" });
  assert.deepEqual(r.dropped, []);
  assert.ok(r.findings.some((f) => f.raisedBy.includes("o3")));
  assert.equal(sent.at(-1)?.max_completion_tokens, 8000);
  assert.equal(sent.at(-1)?.reasoning_effort, "low");
});
