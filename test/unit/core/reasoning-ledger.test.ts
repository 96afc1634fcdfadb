// The ledger counts what a reasoning model was billed for: its hidden reasoning tokens (OpenAI reports them in
// usage.completion_tokens_details.reasoning_tokens, inside completion_tokens), also when the call failed because
// the whole output limit went to reasoning and no answer came (OpenAI's reasoning guide: this "might occur before
// any visible output tokens are produced", and those tokens are still billed).
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { defaultConfig } from "../../../src/core/config";
import { createEngine } from "../../../src/core/engine";
import { summarize } from "../../../src/core/ledger";
import { ProviderError } from "../../../src/core/providers/errors";
import { providerFactory } from "../../../src/core/providers/factory";
import { startFakeOpenAI } from "../../fixtures/fake-openai";

void test("reasoning tokens are recorded per call and in the usage summary, billed failures included", async () => {
  const fake = await startFakeOpenAI({ models: ["o3-mini"], reasoning: { models: ["o3-mini"], reasoningTokens: 20 }, reply: () => "short answer" });
  try {
    const engine = createEngine({
      config: { ...defaultConfig(), models: [{ id: "r", provider: "openai", endpoint: fake.url, model: "o3-mini", tags: ["cloud"], priceIn: 1, priceOut: 4 }] },
      providerFactory: providerFactory({ policy: { retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 0 } } }),
      secrets: async () => undefined,
      ledgerDir: mkdtempSync(join(tmpdir(), "chorus-reasoning-")),
    });
    const ctx = { surface: "ask" as const, mode: "single" };
    const ok = await engine.models.chat("r", [{ role: "user", content: "q" }], { maxTokens: 100 }, ctx);
    assert.equal(ok.text, "short answer");
    await assert.rejects(
      engine.models.chat("r", [{ role: "user", content: "q" }], { maxTokens: 10 }, ctx),
      (e: unknown) => e instanceof ProviderError && e.kind === "output_limit" && /raise "maxOutputTokens"/.test(e.message),
    );
    const [good, spent] = engine.ledger.read().filter((e) => e.model === "r");
    assert.deepEqual([good?.ok, good?.outputTokens, good?.reasoningTokens], [true, 22, 20]);
    assert.deepEqual([spent?.ok, spent?.error, spent?.outputTokens, spent?.reasoningTokens], [false, "output_limit", 10, 10]);
    assert.ok(spent!.costUsd > 0, "the failed call was billed and is counted");
    assert.equal(summarize(engine.ledger.read(), (e) => e.model)[0]?.reasoningTokens, 30);
  } finally {
    await fake.close();
  }
});
