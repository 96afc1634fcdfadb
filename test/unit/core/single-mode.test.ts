// Which model "Single model" mode uses: one model, by tag, never a mixing preset while an ordinary model is there.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ModelConfig } from "../../../src/core/config";
import { defaultModelFor } from "../../../src/core/single-mode";

const preset: ModelConfig = { id: "mix-contrastive", provider: "sidecar", model: "chorus/contrastive-ts", tags: ["local", "fast"] };
const tsExpert: ModelConfig = { id: "ts-expert", provider: "sidecar", model: "ts-expert", tags: ["local"] };
const cloud: ModelConfig = { id: "gpt", provider: "openai", model: "gpt-4o", tags: ["cloud", "strong"] };

void test("a mixing preset listed first, even with the preferred tag, does not become the single model", () => {
  assert.equal(defaultModelFor([preset, tsExpert], "completion").id, "ts-expert");
  assert.equal(defaultModelFor([preset, tsExpert, cloud], "ask").id, "gpt");
  // With nothing else configured, the preset is still better than no answer.
  assert.equal(defaultModelFor([preset], "completion").id, "mix-contrastive");
});

void test("tags choose among ordinary models, and no models at all is a clear error", () => {
  const fast: ModelConfig = { id: "fast", provider: "ollama", model: "qwen", tags: ["fast"] };
  assert.equal(defaultModelFor([tsExpert, fast], "completion").id, "fast");
  assert.throws(() => defaultModelFor([], "ask"), /No model is configured/);
});
