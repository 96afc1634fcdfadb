/**
 * OllamaProvider against the fake Ollama server: streaming, usage, logprobs, FIM, embeddings, model listing,
 * keep_alive, and every failure class with the message a user sees.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startFakeOllama, type FakeServer } from "../../fixtures/fake-ollama";
import { OllamaProvider } from "../../../src/core/providers/ollama";
import { ProviderError } from "../../../src/core/providers/errors";
import { collect } from "../../../src/core/providers/types";
import { failOnUnhandledRejections, streamError } from "./guard";

failOnUnhandledRejections();

const fastRetry = { retries: 2, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 5_000 };

void describe("OllamaProvider", () => {
  let fake: FakeServer;
  let p: OllamaProvider;
  before(async () => {
    fake = await startFakeOllama({
      models: [
        { name: "qwen2.5-coder:1.5b", family: "qwen2", size: 1234 },
        { name: "llama3:latest", family: "llama", fim: false },
        { name: "all-minilm", embeddingOnly: true },
      ],
      reply: (r) => (r.suffix !== undefined ? `middle for ${r.prompt.length}/${r.suffix.length}` : `echo: ${r.prompt}`),
    });
    p = new OllamaProvider({ url: fake.url, policy: { retry: fastRetry } });
  });
  after(() => fake.close());

  void it("lists the pulled models with size and family", async () => {
    const models = await p.listModels();
    assert.deepEqual(
      models.map((m) => m.name),
      ["qwen2.5-coder:1.5b", "llama3:latest", "all-minilm"],
    );
    assert.equal(models[0]?.sizeBytes, 1234);
    assert.equal(models[1]?.family, "llama");
  });

  void it("streams a chat reply in pieces that reassemble, with usage and finish reason", async () => {
    const pieces: string[] = [];
    const c = await collect(p.chat({ model: "qwen2.5-coder:1.5b", messages: [{ role: "user", content: "one two three" }] }), (d) => pieces.push(d.text));
    assert.equal(c.text, "echo: one two three");
    assert.ok(pieces.filter((x) => x !== "").length > 1, "arrived in more than one piece");
    assert.deepEqual(c.usage, { inputTokens: 3, outputTokens: 4 });
    assert.equal(c.finishReason, "stop");
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, "/api/chat");
    assert.equal(sent.body?.stream, true);
  });

  void it("passes generation options, keep_alive, and stops at max tokens with finish reason 'length'", async () => {
    const c = await collect(
      p.chat({ model: "qwen2.5-coder:1.5b", messages: [{ role: "user", content: "a b c d e f" }], maxTokens: 2, temperature: 0.2, seed: 7, keepAlive: "30m" }),
    );
    assert.equal(c.text, "echo: a ");
    assert.equal(c.finishReason, "length");
    const body = fake.requests.at(-1)!.body!;
    assert.deepEqual(body.options, { temperature: 0.2, seed: 7, num_predict: 2 });
    assert.equal(body.keep_alive, "30m");
  });

  void it("returns logprobs and top alternatives when asked", async () => {
    fake.setReply(() => ({
      tokens: [
        {
          token: "Hel",
          logprob: -0.1,
          top: [
            { token: "Hel", logprob: -0.1 },
            { token: "Hi", logprob: -2.5 },
          ],
        },
        {
          token: "lo",
          logprob: -0.01,
          top: [
            { token: "lo", logprob: -0.01 },
            { token: "p", logprob: -4 },
          ],
        },
      ],
    }));
    const c = await collect(p.chat({ model: "qwen2.5-coder:1.5b", messages: [{ role: "user", content: "hi" }], topLogprobs: 2 }));
    assert.equal(c.text, "Hello");
    assert.deepEqual(c.logprobs, [
      {
        token: "Hel",
        logprob: -0.1,
        top: [
          { token: "Hel", logprob: -0.1 },
          { token: "Hi", logprob: -2.5 },
        ],
      },
      {
        token: "lo",
        logprob: -0.01,
        top: [
          { token: "lo", logprob: -0.01 },
          { token: "p", logprob: -4 },
        ],
      },
    ]);
    const body = fake.requests.at(-1)!.body!;
    assert.equal(body.logprobs, true);
    assert.equal(body.top_logprobs, 2);
    // Not asked: none sent, none returned.
    const plain = await collect(p.chat({ model: "qwen2.5-coder:1.5b", messages: [{ role: "user", content: "hi" }] }));
    assert.deepEqual(plain.logprobs, []);
    assert.equal(fake.requests.at(-1)!.body!.logprobs, undefined);
  });

  void it("fills in the middle through /api/generate with suffix", async () => {
    fake.setReply((r) => `middle for ${r.prompt.length}/${r.suffix?.length}`);
    const c = await collect(p.complete({ model: "qwen2.5-coder:1.5b", prefix: "def f(", suffix: "):\n  pass" }));
    assert.equal(c.text, "middle for 6/9");
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, "/api/generate");
    assert.equal(sent.body?.prompt, "def f(");
    assert.equal(sent.body?.suffix, "):\n  pass");
    assert.deepEqual(c.usage, { inputTokens: 4, outputTokens: 3 }); // words of prefix + suffix, pieces of the reply
  });

  void it("keeps a completion at the end of a file in FIM mode (Ollama ignores an empty suffix)", async () => {
    await collect(p.complete({ model: "qwen2.5-coder:1.5b", prefix: "x = ", suffix: "" }));
    assert.equal(fake.requests.at(-1)!.body?.suffix, "\n");
  });

  void it("completes from the prefix alone where a model cannot fill in the middle, and says so", async () => {
    // Ollama would answer a suffix with 400 "does not support insert"; /api/show told Chorus not to send one.
    fake.setReply((r) => (r.suffix !== undefined ? "sent a suffix" : `echo: ${r.prompt}`));
    const c = await collect(p.complete({ model: "llama3:latest", prefix: "a", suffix: "b" }));
    assert.equal(c.text, "echo: a");
    assert.equal(fake.requests.at(-1)?.body?.raw, true);
    assert.match(c.note ?? "", /llama3:latest cannot fill in the middle in Ollama; Chorus completes from the prefix only/);
  });

  void it("says when an embedding model is asked to chat", async () => {
    const e = await streamError(p.chat({ model: "all-minilm", messages: [{ role: "user", content: "x" }] }));
    assert.ok(e instanceof ProviderError);
    assert.equal(e.kind, "unsupported");
    assert.match(e.message, /'all-minilm' at .* cannot do this request .*does not support chat/);
  });

  void it("embeds several inputs, one vector each", async () => {
    const v = await p.embed({ model: "all-minilm", input: ["alpha", "beta", "alpha"] });
    assert.equal(v.length, 3);
    assert.deepEqual(v[0], v[2]);
    assert.notDeepEqual(v[0], v[1]);
    assert.ok(v.every((x) => x.length === 8));
  });

  void it("names the missing model and the command that pulls it", async () => {
    const e = await streamError(p.chat({ model: "nope:7b", messages: [{ role: "user", content: "x" }] }));
    assert.ok(e instanceof ProviderError);
    assert.equal(e.kind, "model_missing");
    assert.equal(e.message, "Model 'nope:7b' is not pulled in Ollama — run `ollama pull nope:7b`.");
    await assert.rejects(p.embed({ model: "nope:7b", input: ["x"] }), (err: unknown) => err instanceof ProviderError && err.kind === "model_missing");
  });
});

void describe("OllamaProvider when Ollama is not there", () => {
  void it("says Ollama is not running, with the address and what to do", async () => {
    const gone = await startFakeOllama();
    const url = gone.url;
    await gone.close();
    const p = new OllamaProvider({ url, policy: { retry: fastRetry } });
    const e = await streamError(p.chat({ model: "m", messages: [{ role: "user", content: "x" }] }));
    assert.ok(e instanceof ProviderError);
    assert.equal(e.kind, "unreachable");
    assert.equal(e.message, `Ollama is not running at ${url} — start it (\`ollama serve\`) or change chorus.ollamaUrl.`);
    await assert.rejects(p.listModels(), (err: unknown) => err instanceof ProviderError && err.kind === "unreachable");
  });
});
