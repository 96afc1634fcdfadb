/**
 * OpenAIProvider against the fake OpenAI-compatible server: SSE streaming with the usage chunk, logprobs, FIM
 * (native suffix, family template, fallback when the server rejects suffix), embeddings, models, API-key errors.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startFakeOpenAI, type FakeServer } from "../../fixtures/fake-openai";
import { OpenAIProvider } from "../../../src/core/providers/openai";
import { ProviderError } from "../../../src/core/providers/errors";
import { collect } from "../../../src/core/providers/types";
import { failOnUnhandledRejections, streamError } from "./guard";

failOnUnhandledRejections();

const fastRetry = { retries: 2, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 5_000 };
const KEY = "sk-test-123";

void describe("OpenAIProvider", () => {
  let fake: FakeServer;
  let p: OpenAIProvider;
  before(async () => {
    fake = await startFakeOpenAI({
      models: ["gpt-4o-mini", "qwen2.5-coder-7b-instruct", "my-model", "text-embedding-3-small"],
      apiKey: KEY,
      suffix: "supported",
    });
    p = new OpenAIProvider({ target: { baseURL: fake.url, apiKey: KEY }, policy: { retry: fastRetry } });
  });
  after(() => fake.close());

  void it("lists the endpoint's models", async () => {
    assert.deepEqual(
      (await p.listModels()).map((m) => m.name),
      ["gpt-4o-mini", "qwen2.5-coder-7b-instruct", "my-model", "text-embedding-3-small"],
    );
    assert.equal(fake.requests.at(-1)?.headers.authorization, `Bearer ${KEY}`);
  });

  void it("streams chat that reassembles, with usage from the include_usage chunk", async () => {
    fake.setReply((r) => `You said: ${r.prompt}`);
    const pieces: string[] = [];
    const c = await collect(
      p.chat({
        model: "gpt-4o-mini",
        messages: [
          { role: "system", content: "be brief" },
          { role: "user", content: "hello there" },
        ],
        maxTokens: 50,
        temperature: 0,
      }),
      (d) => pieces.push(d.text),
    );
    assert.equal(c.text, "You said: hello there");
    assert.ok(pieces.filter(Boolean).length >= 3);
    assert.deepEqual(c.usage, { inputTokens: 4, outputTokens: 4 });
    assert.equal(c.finishReason, "stop");
    const body = fake.requests.at(-1)!.body!;
    assert.deepEqual(body.stream_options, { include_usage: true });
    assert.equal(body.max_tokens, 50, "a non-OpenAI host gets max_tokens");
    assert.equal(body.temperature, 0);
  });

  void it("reports finish reason 'length' when max tokens cut the reply", async () => {
    fake.setReply(() => "one two three four five");
    const c = await collect(p.chat({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }], maxTokens: 2 }));
    assert.equal(c.text, "one two ");
    assert.equal(c.finishReason, "length");
  });

  void it("returns chat logprobs with alternatives", async () => {
    fake.setReply(() => ({
      tokens: [
        {
          token: "Yes",
          logprob: -0.2,
          top: [
            { token: "Yes", logprob: -0.2 },
            { token: "No", logprob: -1.8 },
          ],
        },
        { token: ".", logprob: -0.05, top: [{ token: ".", logprob: -0.05 }] },
      ],
    }));
    const c = await collect(p.chat({ model: "gpt-4o-mini", messages: [{ role: "user", content: "?" }], topLogprobs: 2 }));
    assert.equal(c.text, "Yes.");
    assert.deepEqual(c.logprobs, [
      {
        token: "Yes",
        logprob: -0.2,
        top: [
          { token: "Yes", logprob: -0.2 },
          { token: "No", logprob: -1.8 },
        ],
      },
      { token: ".", logprob: -0.05, top: [{ token: ".", logprob: -0.05 }] },
    ]);
    assert.equal(fake.requests.at(-1)!.body!.logprobs, true);
    assert.equal(fake.requests.at(-1)!.body!.top_logprobs, 2);
  });

  void it("fills in the middle with the native suffix for a model without a known template", async () => {
    fake.setReply((r) => `[${r.prompt}|${r.suffix}]`);
    const c = await collect(p.complete({ model: "my-model", prefix: "let x = ", suffix: ";", topLogprobs: 1 }));
    assert.equal(c.text, "[let x = |;]");
    const body = fake.requests.at(-1)!.body!;
    assert.equal(fake.requests.at(-1)!.path, "/v1/completions");
    assert.equal(body.suffix, ";");
    assert.equal(body.logprobs, 1, "completions take logprobs as a number");
    assert.ok(c.logprobs.length > 1);
    assert.equal(c.logprobs.map((l) => l.token).join(""), c.text, "one logprob per streamed token");
  });

  void it("uses the family's FIM template on a self-hosted server", async () => {
    fake.setReply((r) => (r.prompt.startsWith("<|fim_prefix|>") ? "return a + b<|endoftext|>junk" : "wrong"));
    const c = await collect(p.complete({ model: "qwen2.5-coder-7b-instruct", prefix: "def add(a, b):\n    ", suffix: "\n\nprint(add(1, 2))" }));
    assert.equal(c.text, "return a + b", "stopped at the template's end token");
    const body = fake.requests.at(-1)!.body!;
    assert.equal(body.prompt, "<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n\nprint(add(1, 2))<|fim_middle|>");
    assert.equal(body.suffix, undefined);
    assert.ok((body.stop as string[]).includes("<|endoftext|>"));
  });

  void it("embeds in input order", async () => {
    const v = await p.embed({ model: "text-embedding-3-small", input: ["a", "b", "a"] });
    assert.equal(v.length, 3);
    assert.deepEqual(v[0], v[2]);
    assert.notDeepEqual(v[0], v[1]);
    assert.equal(fake.requests.at(-1)!.body!.encoding_format, "float");
  });

  void it("says the model does not exist, naming it", async () => {
    const e = await streamError(p.chat({ model: "gpt-9", messages: [{ role: "user", content: "x" }] }));
    assert.ok(e instanceof ProviderError);
    assert.equal(e.kind, "model_missing");
    assert.match(e.message, /Model 'gpt-9' does not exist at http:\/\/127\.0\.0\.1:\d+\/v1/);
  });

  void it("says the API key was rejected, and what to run — without echoing the key", async () => {
    const bad = new OpenAIProvider({ target: { baseURL: fake.url, apiKey: "sk-wrong-secret" }, policy: { retry: fastRetry } });
    const e = await streamError(bad.chat({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] }));
    assert.ok(e instanceof ProviderError);
    assert.equal(e.kind, "unauthorized");
    assert.equal(e.message, `The API key for ${fake.url} was rejected (HTTP 401) — run 'Chorus: Set API Key…'.`);
    assert.doesNotMatch(e.message, /sk-wrong-secret/);
    const none = new OpenAIProvider({ target: { baseURL: fake.url }, policy: { retry: fastRetry } });
    await assert.rejects(none.listModels(), (err: unknown) => err instanceof ProviderError && err.kind === "unauthorized" && /none is set/.test(err.message));
  });
});

void describe("OpenAIProvider FIM when the server rejects suffix", () => {
  let fake: FakeServer;
  before(async () => {
    fake = await startFakeOpenAI({
      models: ["deepseek-coder-6.7b-base", "plain-model"],
      suffix: "rejected",
      reply: (r) => (r.prompt.startsWith("<｜fim▁begin｜>") ? "mid" : "bad"),
    });
  });
  after(() => fake.close());

  void it("falls back to the family template, and remembers to skip suffix next time", async () => {
    // kind "sidecar" makes "auto" try the native suffix first, as it would on api.openai.com.
    const p = new OpenAIProvider({ kind: "sidecar", target: { baseURL: fake.url }, fim: "auto", policy: { retry: fastRetry } });
    const before = fake.requests.length;
    const c = await collect(p.complete({ model: "deepseek-coder-6.7b-base", prefix: "a", suffix: "b" }));
    assert.equal(c.text, "mid");
    const sent = fake.requests.slice(before);
    assert.deepEqual(
      sent.map((r) => r.body?.suffix),
      ["b", undefined],
    );
    assert.equal(sent[1]?.body?.prompt, "<｜fim▁begin｜>a<｜fim▁hole｜>b<｜fim▁end｜>");
    await collect(p.complete({ model: "deepseek-coder-6.7b-base", prefix: "a", suffix: "b" }));
    assert.equal(fake.requests.length, before + 3, "the second completion went straight to the template");
  });

  void it("explains that no FIM is possible when suffix is rejected and no template is known", async () => {
    const p = new OpenAIProvider({ target: { baseURL: fake.url }, policy: { retry: fastRetry } });
    const e = await streamError(p.complete({ model: "plain-model", prefix: "a", suffix: "b" }));
    assert.ok(e instanceof ProviderError);
    assert.equal(e.kind, "unsupported");
    assert.match(e.message, /plain-model/);
  });
});

void describe("OpenAIProvider limits and absence", () => {
  void it("says the prompt is too long for the model", async () => {
    const fake = await startFakeOpenAI({ models: ["small-ctx"], contextLimit: 5 });
    try {
      const p = new OpenAIProvider({ target: { baseURL: fake.url }, policy: { retry: fastRetry } });
      const e = await streamError(p.chat({ model: "small-ctx", messages: [{ role: "user", content: "one two three four five six seven" }] }));
      assert.ok(e instanceof ProviderError);
      assert.equal(e.kind, "context_too_long");
      assert.match(e.message, /^The prompt is too long for 'small-ctx' at .* — shorten the input or choose a model with a larger context/);
      assert.equal(fake.requests.length, 1, "not retried");
    } finally {
      await fake.close();
    }
  });

  void it("says it cannot reach an endpoint nobody listens on", async () => {
    const gone = await startFakeOpenAI();
    await gone.close();
    const p = new OpenAIProvider({ target: { baseURL: gone.url }, policy: { retry: fastRetry } });
    const e = await streamError(p.chat({ model: "m", messages: [{ role: "user", content: "x" }] }));
    assert.ok(e instanceof ProviderError);
    assert.equal(e.kind, "unreachable");
    assert.equal(e.message, `Cannot reach ${gone.url} (ECONNREFUSED) — check that the server is running and the endpoint in chorus.models is right.`);
  });
});

void describe("OpenAIProvider on a server that refuses stream_options", () => {
  void it("goes on without the usage chunk, and stops sending the field", async () => {
    const fake = await startFakeOpenAI({ models: ["m"], rejectStreamOptions: true, reply: () => "fine then" });
    try {
      const p = new OpenAIProvider({ target: { baseURL: fake.url }, policy: { retry: fastRetry } });
      const c = await collect(p.chat({ model: "m", messages: [{ role: "user", content: "x" }] }));
      assert.equal(c.text, "fine then");
      assert.deepEqual(c.usage, { inputTokens: 0, outputTokens: 0 }, "the server sent no usage");
      await collect(p.complete({ model: "m", prefix: "a", suffix: "b" }));
      assert.deepEqual(
        fake.requests.map((r) => r.body?.stream_options !== undefined),
        [true, false, false],
      );
    } finally {
      await fake.close();
    }
  });
});
