/**
 * OllamaProvider against the stand-in Ollama, for what depends on the model (each behaviour as the real server
 * has it, see test/fixtures/net/ollama-model.ts for the sources in ollama/ollama):
 * - FIM through `suffix` only where /api/show lists "insert"; else the family's FIM prompt with raw: true (a
 *   `suffix` would be refused: 400 "… does not support insert", server/routes.go); else the prefix alone.
 * - Completions never think (`think: false`); chat keeps a thinking model's thoughts out of the answer and counts
 *   their tokens (eval_count includes them).
 * - num_ctx sized to the prompt, since Ollama cuts a longer prompt silently (llm/llama_server.go); a prompt that
 *   cannot fit the model's context length is refused before anything is sent.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { OllamaProvider } from "../../../src/core/providers/ollama";
import { ProviderError } from "../../../src/core/providers/errors";
import { collect } from "../../../src/core/providers/types";
import { startFakeOllama, type FakeServer } from "../../fixtures/fake-ollama";
import { failOnUnhandledRejections, streamError } from "./guard";

failOnUnhandledRejections();

const noRetry = { retries: 0, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 0 };
const generated = (s: FakeServer): FakeServer["requests"] => s.requests.filter((r) => r.path === "/api/generate");
const words = (n: number, word = "token"): string => Array.from({ length: n }, (_, i) => `${word}${i}`).join(" ");

void describe("Ollama models: FIM, thinking and context", () => {
  let fake: FakeServer;
  let p: OllamaProvider;
  before(async () => {
    fake = await startFakeOllama({
      models: [
        { name: "qwen2.5-coder:1.5b" },
        // qwen3-coder's Ollama template has no .Suffix, so no "insert" (ollama/ollama#11621, #12387), yet it was trained for FIM.
        { name: "qwen3-coder:30b", capabilities: ["completion", "tools"], fim: false },
        { name: "llama3.2:1b", family: "llama", fim: false },
        { name: "nomic-embed-text:latest", embeddingOnly: true },
        // An Ollama older than capabilities in /api/show: it only refuses the suffix when asked.
        { name: "old-chat:7b", capabilities: [], fim: false },
        { name: "qwen3:8b", thinking: true, fim: false },
        { name: "short-ctx:1b", contextLength: 8192 },
      ],
      reply: (r) => ({ text: `reply from ${r.model ?? "?"}`, thinking: "first I consider the options" }),
    });
    p = new OllamaProvider({ url: fake.url, policy: { retry: noRetry } });
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
  });

  void it("a model with 'insert' gets the suffix, Ollama builds its FIM prompt, and it does not think", async () => {
    const c = await collect(p.complete({ model: "qwen2.5-coder:1.5b", prefix: "const a = ", suffix: ";\n" }));
    assert.equal(c.text, "reply from qwen2.5-coder:1.5b");
    const [sent] = generated(fake);
    assert.equal(sent?.body?.suffix, ";\n");
    assert.equal(sent?.body?.raw, undefined);
    assert.equal(sent?.body?.think, false);
    assert.equal(c.note, undefined);
  });

  void it("a FIM-trained model without 'insert' gets its family's FIM prompt raw, not a suffix Ollama would refuse", async () => {
    const c = await collect(p.complete({ model: "qwen3-coder:30b", prefix: "const a = ", suffix: ";" }));
    assert.equal(c.text, "reply from qwen3-coder:30b");
    const sends = generated(fake);
    assert.equal(sends.length, 1, "no refused attempt first");
    assert.equal(sends[0]?.body?.raw, true);
    assert.equal(sends[0]?.body?.suffix, undefined);
    assert.equal(sends[0]?.body?.prompt, "<|fim_prefix|>const a = <|fim_suffix|>;<|fim_middle|>");
    assert.ok((sends[0]?.body?.options as { stop?: string[] }).stop?.includes("<|endoftext|>"), "the family's end tokens stop it");
  });

  void it("a model without FIM completes from the prefix alone (raw), and says so once", async () => {
    const c = await collect(p.complete({ model: "llama3.2:1b", prefix: "function add(a, b) {", suffix: "}\n" }));
    assert.equal(c.text, "reply from llama3.2:1b");
    const [sent] = generated(fake);
    assert.equal(sent?.body?.raw, true);
    assert.equal(sent?.body?.suffix, undefined);
    assert.equal(sent?.body?.prompt, "function add(a, b) {");
    assert.match(c.note ?? "", /^llama3\.2:1b cannot fill in the middle in Ollama; Chorus completes from the prefix only — pick a model with FIM/);
  });

  void it("an Ollama that does not report capabilities refuses the suffix once; Chorus then completes from the prefix", async () => {
    const c = await collect(p.complete({ model: "old-chat:7b", prefix: "x = ", suffix: "\n" }));
    assert.equal(c.text, "reply from old-chat:7b");
    assert.deepEqual(
      generated(fake).map((r) => r.body?.suffix !== undefined),
      [true, false],
      "refused with the suffix, then without",
    );
    await collect(p.complete({ model: "old-chat:7b", prefix: "y = ", suffix: "\n" }));
    assert.equal(generated(fake).length, 3, "the refusal is remembered: no second refused attempt");
  });

  void it("an embedding model is refused before anything is sent, with what to do", async () => {
    const e = await streamError(p.complete({ model: "nomic-embed-text:latest", prefix: "a", suffix: "b" }));
    assert.ok(e instanceof ProviderError && e.kind === "unsupported");
    assert.match(e.message, /nomic-embed-text:latest cannot write text in Ollama .*embedding.* — pick a code or chat model/);
    assert.equal(generated(fake).length, 0);
  });

  void it("a thinking model: completions ask for no thinking; chat keeps the thoughts out of the answer but counts their tokens", async () => {
    const c = await collect(p.complete({ model: "qwen3:8b", prefix: "let x = ", suffix: "" }));
    assert.equal(generated(fake)[0]?.body?.think, false);
    assert.equal(c.text, "reply from qwen3:8b");
    assert.equal(c.usage.outputTokens, 3, "no thinking tokens were spent");
    const chat = await collect(p.chat({ model: "qwen3:8b", messages: [{ role: "user", content: "why?" }] }));
    assert.equal(chat.text, "reply from qwen3:8b", "the answer alone, no thoughts");
    assert.equal(chat.usage.outputTokens, 3 + 5, "the five thinking tokens are counted with the answer's three");
  });

  void it("a thinking model's thinking does not eat the answer's token budget", async () => {
    // A cascade's 3-token check: asked without thinking, so the five thinking tokens cannot use up the budget.
    const short = await collect(p.chat({ model: "qwen3:8b", messages: [{ role: "user", content: "ok?" }], maxTokens: 3 }));
    assert.equal(short.text, "reply from qwen3:8b");
    assert.equal(fake.requests.at(-1)?.body?.think, false);
    // A review-sized budget keeps thinking, with room for it on top of the answer's own budget.
    const long = await collect(p.chat({ model: "qwen3:8b", messages: [{ role: "user", content: "review" }], maxTokens: 100 }));
    assert.equal(long.text, "reply from qwen3:8b");
    assert.equal(long.usage.outputTokens, 3 + 5);
    assert.ok(((fake.requests.at(-1)?.body?.options as { num_predict?: number }).num_predict ?? 0) > 100);
  });

  void it("a long prompt gets a num_ctx that holds it, so Ollama does not cut its head off", async () => {
    const instructions = "REVIEW-INSTRUCTIONS keep this";
    const c = await collect(
      p.chat({
        model: "qwen2.5-coder:1.5b",
        messages: [
          { role: "system", content: instructions },
          { role: "user", content: words(6000) },
        ],
        maxTokens: 512,
      }),
    );
    assert.equal(c.text, "reply from qwen2.5-coder:1.5b");
    const [sent] = fake.requests.filter((r) => r.path === "/api/chat");
    const numCtx = (sent?.body?.options as { num_ctx?: number }).num_ctx;
    assert.ok(numCtx !== undefined && numCtx >= 6000 + 512 && numCtx <= 32768, `num_ctx ${numCtx}`);
    assert.equal(sent?.seen, undefined, "the fake cut nothing");
    // A shorter prompt afterwards keeps the window (shrinking it would make Ollama reload the model).
    await collect(p.chat({ model: "qwen2.5-coder:1.5b", messages: [{ role: "user", content: "hi" }] }));
    assert.equal((fake.requests.filter((r) => r.path === "/api/chat")[1]?.body?.options as { num_ctx?: number }).num_ctx, numCtx);
  });

  void it("a prompt that cannot fit the model's context is refused before sending, as context_too_long", async () => {
    const e = await streamError(p.chat({ model: "short-ctx:1b", messages: [{ role: "user", content: words(9000) }] }));
    assert.ok(e instanceof ProviderError && e.kind === "context_too_long", String(e));
    assert.match(e.message, /too long for short-ctx:1b, whose context holds 8192 tokens — Chorus did not send it/);
    assert.equal(fake.requests.filter((r) => r.path === "/api/chat").length, 0);
  });

  void it("the stand-in cuts an over-long prompt the way Ollama does (what the sizing prevents)", async () => {
    // Sent straight to the fake without Chorus's sizing: 5000 words against the default num_ctx of 4096.
    const res = await fetch(`${fake.url}/api/generate`, {
      method: "POST",
      body: JSON.stringify({ model: "qwen2.5-coder:1.5b", prompt: `KEEP-ME ${words(5000)}`, stream: false }),
    });
    assert.equal(res.status, 200, "no error: the cut is silent");
    const seen = fake.requests.at(-1)?.seen?.split(" ") ?? [];
    assert.equal(seen.length, 4096 - Math.floor((4096 - 4) / 2), "num_ctx − (num_ctx − num_keep)/2 tokens are kept");
    assert.equal(seen[0], "KEEP-ME", "the first num_keep tokens survive");
    assert.equal(seen.at(-1), "token4999", "and the tail");
    assert.ok(!seen.includes("token10"), "the head after num_keep is gone");
  });
});
