import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { defaultConfig, type ModelConfig } from "../../../src/core/config";
import { createEngine } from "../../../src/core/engine";
import type { ChatRequest, Delta, FimRequest, Provider } from "../../../src/core/providers/types";

/** A provider that answers with its own model name, so a test can see who answered. */
function namedProvider(model: ModelConfig, calls: string[]): Provider {
  const reply = async function* (text: string): AsyncIterable<Delta> {
    yield { text: text.slice(0, 3) };
    yield { text: text.slice(3), usage: { inputTokens: 7, outputTokens: 2 }, finishReason: "stop" };
  };
  return {
    kind: model.provider,
    endpoint: "test://",
    capabilities: () => ({ fim: true, logprobs: false, embeddings: false }),
    listModels: async () => [{ name: model.model }],
    chat: (req: ChatRequest) => (calls.push(`chat:${req.model}`), reply(`answer from ${req.model}`)),
    complete: (req: FimRequest) => (calls.push(`fim:${req.model}`), reply(`code from ${req.model}`)),
    embed: async () => [],
  };
}

function engineWith(models: ModelConfig[]) {
  const calls: string[] = [];
  const config = { ...defaultConfig(), models };
  const engine = createEngine({
    config,
    providerFactory: (m) => namedProvider(m, calls),
    secrets: async () => undefined,
    ledgerDir: mkdtempSync(join(tmpdir(), "eng-")),
  });
  return { engine, calls };
}

const models: ModelConfig[] = [
  { id: "big", provider: "openai", model: "gpt-x", tags: ["cloud", "strong"], priceIn: 1, priceOut: 2 },
  { id: "small", provider: "ollama", model: "coder", tags: ["local", "fast"] },
];

void test("single mode: completions go to the fast model, questions to the strong one, both recorded", async () => {
  const { engine, calls } = engineWith(models);
  const c = await engine.complete(
    { prefix: "a", suffix: "", languageId: "ts", filePath: "a.ts", atLineEnd: true, multiline: false },
    new AbortController().signal,
  );
  assert.equal(c.text, "code from coder");
  assert.equal(c.decision.model, "small");
  const streamed: string[] = [];
  const a = await engine.ask("why?", { code: "x" }, new AbortController().signal, (t) => streamed.push(t));
  assert.equal(a.text, "answer from gpt-x");
  assert.deepEqual(streamed, ["ans", "wer from gpt-x"]);
  assert.deepEqual(calls, ["fim:coder", "chat:gpt-x"]);
  const ledger = engine.ledger.read();
  assert.deepEqual(
    ledger.map((e) => [e.surface, e.model, e.ok]),
    [
      ["completion", "small", true],
      ["ask", "big", true],
    ],
  );
  assert.equal(ledger[1]?.costUsd, (7 * 1 + 2 * 2) / 1e6);
});

void test("no models configured: a clear error that says what to do", async () => {
  const { engine } = engineWith([]);
  await assert.rejects(engine.ask("q", {}, new AbortController().signal), /No model is configured.*Ollama.*chorus\.models/);
});

void test("an unknown chosen mode falls back to one that serves the surface", () => {
  const { engine } = engineWith(models);
  assert.equal(engine.modes.resolve("ask", "does-not-exist").id, "single");
});
