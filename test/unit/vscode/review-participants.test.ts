// The models a review's picker starts with ticked: last time's pick for the mode, else the first ordinary models.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ModelConfig } from "../../../src/core/config";
import { initialParticipants, rememberParticipants } from "../../../src/vscode/review-participants";

const model = (id: string, provider: ModelConfig["provider"], name: string): ModelConfig => ({ id, provider, model: name }) as ModelConfig;
const models = [
  model("mix-poe", "sidecar", "chorus/poe-ts-py"),
  model("general", "sidecar", "general"),
  model("coder", "ollama", "qwen2.5-coder:1.5b"),
  model("gpt", "openai", "gpt-4o-mini"),
  model("weak", "sidecar", "weak"),
];

void test("with nothing remembered, the first three models that are not mixing presets are ticked", () => {
  assert.deepEqual(initialParticipants("debate", models, undefined), ["general", "coder", "gpt"]);
  assert.deepEqual(initialParticipants("debate", models.slice(0, 2), {}), ["general"]);
});

void test("only mixing presets configured: they are ticked rather than nothing", () => {
  const presets = [model("a", "sidecar", "chorus/a"), model("b", "sidecar", "chorus/b")];
  assert.deepEqual(initialParticipants("moa", presets, undefined), ["a", "b"]);
});

void test("last time's pick for the same mode comes back, per mode, and only while every model is still configured", () => {
  let remembered: unknown = rememberParticipants("debate", ["weak", "mix-poe"], undefined);
  remembered = rememberParticipants("moa", ["gpt"], remembered);
  assert.deepEqual(initialParticipants("debate", models, remembered), ["weak", "mix-poe"]);
  assert.deepEqual(initialParticipants("moa", models, remembered), ["gpt"]);
  assert.deepEqual(
    initialParticipants(
      "debate",
      models.filter((m) => m.id !== "weak"),
      remembered,
    ),
    ["general", "coder", "gpt"],
    "a removed model voids the memory",
  );
  assert.deepEqual(initialParticipants("debate", models, { debate: "not a list" }), ["general", "coder", "gpt"]);
});
