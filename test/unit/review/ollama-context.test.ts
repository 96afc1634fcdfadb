// A review through Ollama over the real wire (npm `ollama` against the stand-in server) with a file longer than
// Ollama's default context window. The real Ollama cuts such a prompt to its first num_keep tokens plus the tail,
// silently (llm/llama_server.go "truncating input prompt"; default num_ctx 4096, server/routes.go): the reviewer
// never sees "Review this code." and answers something else. The stand-in does the same and replies like a model
// that lost its instructions, so these tests fail unless Chorus sizes num_ctx to the prompt, and refuses — before
// sending — a prompt that cannot fit the model's context length at all.
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
import { startFakeOllama, type RecordedRequest } from "../../fixtures/fake-ollama";

// 1,500 lines, 6,000 words: longer than the 4,096 tokens Ollama gives without num_ctx.
const CODE = Array.from({ length: 1500 }, (_, i) => `const v${i} = ${i};`).join("\n") + "\nconst r = v1 / v0;";
const FINDING = { lines: [1501, 1501], severity: "error", category: "bug", title: "Division by zero", rationale: "v0 is 0" };

/** A model answers what it saw: without the instructions at the head of the prompt it just describes the code. */
function reply(r: RecordedRequest): string {
  const saw = r.seen ?? ((r.body?.messages as { content: string }[] | undefined) ?? []).map((m) => m.content).join(" ");
  if (!saw.includes("Review this code.")) return "This file declares many constants.";
  return "```json\n" + JSON.stringify({ findings: [FINDING], summary: "one bug" }) + "\n```";
}

async function setup() {
  const ollama = await startFakeOllama({ models: ["qwen2.5-coder:1.5b", { name: "tiny-ctx:1b", contextLength: 2048 }], reply });
  const models: ModelConfig[] = [
    { id: "coder", provider: "ollama", model: "qwen2.5-coder:1.5b", endpoint: ollama.url, tags: ["local"] },
    { id: "tiny", provider: "ollama", model: "tiny-ctx:1b", endpoint: ollama.url, tags: ["local"] },
  ];
  const ledger = new Ledger(mkdtempSync(join(tmpdir(), "chorus-review-ctx-")));
  const m = new Models(
    { ...defaultConfig(), models, ollamaUrl: ollama.url },
    (mc, key) => createProvider(mc, key, { ollamaUrl: ollama.url }),
    async () => undefined,
    ledger,
  );
  return { ollama, models: m, close: () => ollama.close() };
}

void test("a file longer than Ollama's default window is reviewed whole: num_ctx is sized so nothing is cut", async () => {
  const s = await setup();
  try {
    const r = await runReview(
      s.models,
      { mode: "mixture", file: "big.js", code: CODE, startLine: 1, participants: ["coder"], judge: "coder", rounds: 1 },
      () => {},
    );
    const first = s.ollama.requests.find((x) => x.path === "/api/chat")!;
    assert.equal(first.seen, undefined, "Ollama cut nothing");
    assert.ok(((first.body?.options as { num_ctx?: number }).num_ctx ?? 0) > 6000);
    assert.deepEqual(
      r.findings.map((f) => f.title),
      ["Division by zero"],
    );
  } finally {
    await s.close();
  }
});

void test("a model whose context cannot hold the file drops out saying so, and is sent nothing", async () => {
  const s = await setup();
  try {
    const r = await runReview(
      s.models,
      { mode: "mixture", file: "big.js", code: CODE, startLine: 1, participants: ["coder", "tiny"], judge: "coder", rounds: 1 },
      () => {},
    );
    assert.deepEqual(
      r.dropped.map((d) => d.model),
      ["tiny"],
    );
    assert.match(r.dropped[0]!.message, /too long for tiny-ctx:1b, whose context holds 2048 tokens — Chorus did not send it/);
    assert.equal(s.ollama.requests.filter((x) => x.path === "/api/chat" && x.model === "tiny-ctx:1b").length, 0);
    assert.equal(r.findings.length, 1, "the other model's review stands");
  } finally {
    await s.close();
  }
});
