// The orchestrator over the real providers (npm `ollama`, npm `openai`) and Models, against stand-in servers that
// speak Ollama's NDJSON and OpenAI's SSE: a local and a paid cloud model debate; a cloud model with a bad key
// drops out with the provider's own actionable message; a cancel mid-stream ends the run promptly.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { ReviewEvent } from "../../../src/core/collab/text/events";
import { runReview } from "../../../src/core/collab/text/review";
import { defaultConfig, type ModelConfig } from "../../../src/core/config";
import { Ledger } from "../../../src/core/ledger";
import { Models } from "../../../src/core/models";
import { createProvider } from "../../../src/core/providers/factory";
import { startFakeOllama, type RecordedRequest } from "../../fixtures/fake-ollama";
import { startFakeOpenAI } from "../../fixtures/fake-openai";

const CODE = "function div(a, b) {\n  return a / b;\n}";

function reply(r: RecordedRequest): string {
  if (r.prompt.includes("Decide each finding"))
    return JSON.stringify({ summary: "Guard the division.", decisions: [{ finding: "F1", decision: "accept", reason: "" }] });
  if (r.prompt.includes("review debate"))
    return (
      "```json\n" +
      JSON.stringify({ findings: [], votes: [{ finding: "F1", stance: "support", reason: "agreed after reading the other review" }], summary: "agree" }) +
      "\n```"
    );
  return (
    "```json\n" +
    JSON.stringify({
      findings: [{ lines: [2, 2], severity: "error", category: "bug", title: "Division by zero", rationale: "b may be 0, and the caller gets Infinity" }],
      summary: "one bug",
    }) +
    "\n```"
  );
}

async function setup(openaiKey: string, opts: { chunkDelayMs?: number } = {}) {
  const ollama = await startFakeOllama({ models: ["qwen2.5-coder:1.5b"], reply, chunkDelayMs: opts.chunkDelayMs });
  const openai = await startFakeOpenAI({ models: ["gpt-4o-mini"], apiKey: "sk-right", reply, chunkDelayMs: opts.chunkDelayMs });
  const models: ModelConfig[] = [
    { id: "local", provider: "ollama", model: "qwen2.5-coder:1.5b", endpoint: ollama.url, tags: ["local"] },
    { id: "cloud", provider: "openai", model: "gpt-4o-mini", endpoint: openai.url, apiKeySecret: "KEY", priceIn: 0.15, priceOut: 0.6, tags: ["cloud"] },
  ];
  const ledger = new Ledger(mkdtempSync(join(tmpdir(), "chorus-review-wire-")));
  const m = new Models(
    { ...defaultConfig(), models, ollamaUrl: ollama.url },
    (mc, key) => createProvider(mc, key, { ollamaUrl: ollama.url }),
    async () => openaiKey,
    ledger,
  );
  return { ollama, openai, models: m, ledger, close: async () => Promise.all([ollama.close(), openai.close()]) };
}

void test("a local and a cloud model debate over the real wire formats; costs land in the ledger", async () => {
  const s = await setup("sk-right");
  try {
    const events: ReviewEvent[] = [];
    const r = await runReview(
      s.models,
      { mode: "debate", file: "div.js", code: CODE, startLine: 1, participants: ["local", "cloud"], judge: "cloud", rounds: 3 },
      (e) => events.push(e),
    );
    assert.equal(r.status, "converged");
    assert.deepEqual(r.findings[0]!.raisedBy, ["local"]);
    assert.deepEqual(r.findings[0]!.supportedBy, ["cloud"]);
    assert.equal(r.verdict?.summary, "Guard the division.");
    // Streamed: more than one delta per reply on both wire formats.
    for (const model of ["local", "cloud"])
      assert.ok(events.filter((e) => e.type === "model-delta" && e.model === model && e.round === 1).length > 3, `${model} streamed`);
    const entries = s.ledger.read().filter((e) => e.runId === r.runId);
    assert.equal(entries.length, 5);
    assert.ok(entries.filter((e) => e.model === "cloud").every((e) => e.costUsd > 0 && e.inputTokens > 0));
    assert.ok(entries.filter((e) => e.model === "local").every((e) => e.costUsd === 0));
    assert.ok(Math.abs(r.costUsd - entries.reduce((x, e) => x + e.costUsd, 0)) < 1e-12);
    // Every reply is capped, so a model that never stops cannot stall a round.
    const chat = s.ollama.requests.find((x) => x.path === "/api/chat")!;
    assert.equal((chat.body?.options as { num_predict?: number } | undefined)?.num_predict, 4096);
  } finally {
    await s.close();
  }
});

void test("a cloud model with a wrong API key drops out with a message that says what to fix", async () => {
  const s = await setup("sk-wrong");
  try {
    const r = await runReview(
      s.models,
      { mode: "mixture", file: "div.js", code: CODE, startLine: 1, participants: ["local", "cloud"], judge: "local", rounds: 1 },
      () => {},
    );
    assert.equal(r.status, "completed");
    assert.deepEqual(
      r.dropped.map((d) => d.model),
      ["cloud"],
    );
    assert.match(r.dropped[0]!.message, /key/i);
    assert.equal(r.findings.length, 1);
  } finally {
    await s.close();
  }
});

void test("cancelling mid-stream over HTTP ends the run promptly", async () => {
  const s = await setup("sk-right", { chunkDelayMs: 40 });
  try {
    const controller = new AbortController();
    const events: ReviewEvent[] = [];
    const started = Date.now();
    const run = runReview(
      s.models,
      { mode: "debate", file: "div.js", code: CODE, startLine: 1, participants: ["local", "cloud"], rounds: 2 },
      (e) => {
        events.push(e);
        if (e.type === "model-delta" && events.filter((x) => x.type === "model-delta").length === 3) controller.abort();
      },
      controller.signal,
    );
    const r = await run;
    assert.equal(r.status, "cancelled");
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    assert.equal(events.at(-1)?.type, "done");
  } finally {
    await s.close();
  }
});
