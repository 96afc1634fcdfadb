/**
 * The failure behaviour every provider shares (guarded.ts + classify.ts), run against both fake servers:
 * 429 + Retry-After then success, a Retry-After too long to wait for, retries that stop on abort, timeouts,
 * a dropped connection, a reply cut mid-line, an error inside the stream, garbage, cancellation that closes the
 * connection — and never an unhandled rejection.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startFakeOllama } from "../../fixtures/fake-ollama";
import { startFakeOpenAI } from "../../fixtures/fake-openai";
import type { FakeServer } from "../../fixtures/net/fake-common";
import { OllamaProvider } from "../../../src/core/providers/ollama";
import { OpenAIProvider } from "../../../src/core/providers/openai";
import { ProviderError } from "../../../src/core/providers/errors";
import type { CallPolicy } from "../../../src/core/providers/guarded";
import { collect, type Provider } from "../../../src/core/providers/types";
import { failOnUnhandledRejections, streamError } from "./guard";

failOnUnhandledRejections();

const policy: CallPolicy = { timeoutMs: 5_000, retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 3_000 } };

interface Case {
  name: string;
  start(): Promise<FakeServer>;
  make(url: string, p?: Partial<CallPolicy>): Provider;
  /** Body of a 429 the way this server sends it. */
  rateLimitBody: unknown;
  /** Where a chat goes. Faults are aimed there: the Ollama provider first asks /api/show about the model once, and
   *  a fault meant for the chat must not be spent on that. */
  chatPath: string;
}

const cases: Case[] = [
  {
    name: "Ollama",
    start: () => startFakeOllama({ models: ["m"], reply: () => "alpha beta gamma delta epsilon" }),
    make: (url, p) => new OllamaProvider({ url, policy: { ...policy, ...p } }),
    rateLimitBody: { error: "too many requests, please slow down" },
    chatPath: "/api/chat",
  },
  {
    name: "OpenAI-compatible",
    start: () => startFakeOpenAI({ models: ["m"], reply: () => "alpha beta gamma delta epsilon" }),
    make: (url, p) => new OpenAIProvider({ target: { baseURL: url }, policy: { ...policy, ...p } }),
    rateLimitBody: { error: { message: "Rate limit reached for requests", type: "requests", param: null, code: "rate_limit_exceeded" } },
    chatPath: "/v1/chat/completions",
  },
];

const chat = (p: Provider, signal?: AbortSignal, timeoutMs?: number): AsyncIterable<unknown> =>
  p.chat({ model: "m", messages: [{ role: "user", content: "go" }], timeoutMs }, signal);

for (const c of cases) {
  void describe(`${c.name}: failures`, () => {
    let fake: FakeServer;
    let p: Provider;
    before(async () => {
      fake = await c.start();
      p = c.make(fake.url);
    });
    after(() => fake.close());
    const sinceHere = (): (() => FakeServer["requests"]) => {
      const n = fake.requests.length;
      return () => fake.requests.slice(n).filter((r) => r.path === c.chatPath);
    };

    void it("waits out a 429's Retry-After, then succeeds", async () => {
      fake.setFault({ path: c.chatPath, kind: "status", status: 429, body: c.rateLimitBody, headers: { "retry-after": "1" }, times: 1 });
      const sent = sinceHere();
      const r = await collect(chat(p) as AsyncIterable<never>);
      assert.equal(r.text, "alpha beta gamma delta epsilon");
      const [first, second] = sent();
      assert.equal(sent().length, 2);
      assert.ok(second!.at - first!.at >= 950, `retried after ${second!.at - first!.at} ms, Retry-After said 1 s`);
    });

    void it("gives up at once on a Retry-After longer than it will wait, saying when to retry", async () => {
      fake.setFault({ path: c.chatPath, kind: "status", status: 429, body: c.rateLimitBody, headers: { "retry-after": "120" } });
      const sent = sinceHere();
      const e = await streamError(chat(p));
      assert.ok(e instanceof ProviderError);
      assert.equal(e.kind, "rate_limited");
      assert.equal(e.details.retryAfterMs, 120_000);
      assert.match(e.message, /retry after 120 s/);
      assert.equal(sent().length, 1);
    });

    void it("retries server errors with backoff, then reports the last one, keeping its cause", async () => {
      fake.setFault({ path: c.chatPath, kind: "status", status: 500 });
      const sent = sinceHere();
      const e = await streamError(chat(p));
      assert.ok(e instanceof ProviderError);
      assert.equal(e.kind, "server");
      assert.equal(e.details.status, 500);
      assert.ok(e.cause !== undefined, "the client's own error is kept as cause");
      assert.equal(sent().length, 3, "first try + 2 retries");
    });

    void it("stops retrying the moment the caller aborts", async () => {
      fake.setFault({ path: c.chatPath, kind: "status", status: 503 });
      const slow = c.make(fake.url, { retry: { retries: 5, baseDelayMs: 60_000, maxDelayMs: 60_000, maxRetryAfterMs: 0 } });
      const ctl = new AbortController();
      const sent = sinceHere();
      setTimeout(() => ctl.abort(), 100);
      const t0 = Date.now();
      const e = await streamError(chat(slow, ctl.signal));
      assert.ok(e instanceof ProviderError);
      assert.equal(e.kind, "cancelled");
      assert.ok(Date.now() - t0 < 30_000, "did not sit out the minute-long backoff");
      assert.equal(sent().length, 1);
    });

    void it("times out a server that never answers", async () => {
      fake.setFault({ path: c.chatPath, kind: "hang" });
      const e = await streamError(chat(c.make(fake.url, { retry: { ...policy.retry, retries: 0 } }), undefined, 200));
      assert.ok(e instanceof ProviderError);
      assert.equal(e.kind, "timeout");
      assert.match(e.message, /did not answer within 0\.2 s/);
    });

    void it("times out plain requests too (listing models, embeddings), which the ollama client sends without a signal", async () => {
      fake.setFault({ kind: "hang" });
      const impatient = c.make(fake.url, { timeoutMs: 200, retry: { ...policy.retry, retries: 0 } });
      await assert.rejects(impatient.listModels(), (e: unknown) => e instanceof ProviderError && e.kind === "timeout");
      await assert.rejects(impatient.embed({ model: "m", input: ["x"] }), (e: unknown) => e instanceof ProviderError && e.kind === "timeout");
      const ctl = new AbortController();
      setTimeout(() => ctl.abort(), 50);
      await assert.rejects(p.listModels(ctl.signal), (e: unknown) => e instanceof ProviderError && e.kind === "cancelled");
    });

    void it("times out a stream that stalls mid-reply, without retrying a reply already begun", async () => {
      fake.setFault({ path: c.chatPath, kind: "stall", afterChunks: 2 });
      const sent = sinceHere();
      const seen: unknown[] = [];
      const e = await streamError(
        (async function* () {
          for await (const d of chat(p, undefined, 300)) {
            seen.push(d);
            yield d;
          }
        })(),
      );
      assert.ok(e instanceof ProviderError);
      assert.equal(e.kind, "timeout");
      assert.ok(seen.length >= 1);
      assert.equal(sent().length, 1);
    });

    void it("rejects with a classified error when the connection drops mid-stream", async () => {
      fake.setFault({ path: c.chatPath, kind: "drop", afterChunks: 2 });
      const e = await streamError(chat(p));
      assert.ok(e instanceof ProviderError);
      assert.equal(e.kind, "unreachable");
      assert.match(e.message, /lost mid-reply/);
    });

    void it("retries a connection dropped before the first byte", async () => {
      fake.setFault({ path: c.chatPath, kind: "drop", afterChunks: 0, times: 1 });
      const sent = sinceHere();
      const r = await collect(chat(p) as AsyncIterable<never>);
      assert.equal(r.text, "alpha beta gamma delta epsilon");
      assert.equal(sent().length, 2);
    });

    void it("rejects a reply cut mid-line as incomplete", async () => {
      fake.setFault({ path: c.chatPath, kind: "cut", afterChunks: 3 });
      const e = await streamError(chat(p));
      assert.ok(e instanceof ProviderError);
      assert.equal(e.kind, "malformed");
      assert.match(e.message, /ended before it was complete/);
    });

    void it("passes on an error the server reports inside the stream", async () => {
      fake.setFault({ path: c.chatPath, kind: "stream-error", afterChunks: 2, message: "CUDA error: out of memory" });
      const e = await streamError(chat(p));
      assert.ok(e instanceof ProviderError);
      assert.equal(e.kind, "server");
      assert.match(e.message, /CUDA error: out of memory/);
    });

    void it("calls a reply that is not the expected format malformed", async () => {
      fake.setFault({ kind: "garbage", body: "<html>Welcome to nginx!</html>", path: c.name === "Ollama" ? "/api/tags" : "/v1/models" });
      await assert.rejects(p.listModels(), (e: unknown) => e instanceof ProviderError && e.kind === "malformed");
    });

    void it("cancelling mid-stream rejects with 'cancelled' and closes the connection", async () => {
      fake.setFault(undefined);
      const slowFake = await (c.name === "Ollama"
        ? startFakeOllama({ models: ["m"], chunkDelayMs: 100, reply: () => "a b c d e f g h i j" })
        : startFakeOpenAI({ models: ["m"], chunkDelayMs: 100, reply: () => "a b c d e f g h i j" }));
      try {
        const sp = c.make(slowFake.url);
        const ctl = new AbortController();
        let pieces = 0;
        const e = await streamError(
          (async function* () {
            for await (const d of chat(sp, ctl.signal)) {
              if (++pieces === 2) ctl.abort();
              yield d;
            }
          })(),
        );
        assert.ok(e instanceof ProviderError);
        assert.equal(e.kind, "cancelled");
        await waitFor(() => slowFake.clientAborts() === 1);
      } finally {
        await slowFake.close();
      }
    });

    void it("an abort while the consumer holds a piece rejects its next read as 'cancelled'", async () => {
      fake.setFault(undefined);
      const ctl = new AbortController();
      const it = chat(p, ctl.signal)[Symbol.asyncIterator]();
      const first = await it.next();
      assert.equal(first.done, false);
      ctl.abort();
      await new Promise((r) => setTimeout(r, 50)); // the aborted body errors while nobody is reading it
      await assert.rejects(it.next(), (e: unknown) => e instanceof ProviderError && e.kind === "cancelled");
    });

    void it("a consumer that stops reading early closes the connection", async () => {
      const slowFake = await (c.name === "Ollama"
        ? startFakeOllama({ models: ["m"], chunkDelayMs: 100, reply: () => "a b c d e f g h i j" })
        : startFakeOpenAI({ models: ["m"], chunkDelayMs: 100, reply: () => "a b c d e f g h i j" }));
      try {
        for await (const d of chat(c.make(slowFake.url))) {
          assert.ok(d);
          break;
        }
        await waitFor(() => slowFake.clientAborts() === 1);
      } finally {
        await slowFake.close();
      }
    });
  });
}

async function waitFor(cond: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
