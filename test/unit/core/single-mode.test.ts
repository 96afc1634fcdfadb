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

void test("a thinking model (Ollama's qwen3, deepseek-r1: they think by default) is not the default for ghost text", async () => {
  // Discovery tags what /api/show lists with the "thinking" capability; the stand-in Ollama answers as Ollama does.
  const { startFakeOllama } = await import("../../fixtures/fake-ollama");
  const { discoverOllamaModels } = await import("../../../src/core/discovery");
  const fake = await startFakeOllama({
    models: [
      { name: "qwen3:8b", thinking: true, fim: false },
      { name: "llama3.2:1b", fim: false },
    ],
  });
  try {
    const found = await discoverOllamaModels(fake.url);
    assert.deepEqual(found.find((m) => m.model === "qwen3:8b")?.tags, ["local", "thinking"]);
    assert.equal(defaultModelFor(found, "completion").model, "llama3.2:1b");
    assert.equal(
      defaultModelFor(
        found.filter((m) => m.model === "qwen3:8b"),
        "completion",
      ).model,
      "qwen3:8b",
      "still used when it is the only one",
    );
  } finally {
    await fake.close();
  }
});
