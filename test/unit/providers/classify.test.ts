/**
 * classifyError on the error objects the real clients throw (the `openai` SDK's APIError family built by its own
 * factory, the `ollama` client's ResponseError shape, undici's socket errors): the kind, retryability, and a
 * message that says what to do.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { APIConnectionError, APIError } from "openai";
import { classifyError, isRetryable, type ErrorContext } from "../../../src/core/providers/classify";
import { ProviderError } from "../../../src/core/providers/errors";

const openai: ErrorContext = { provider: "openai", endpoint: "https://api.example.com/v1", model: "gpt-x", hasApiKey: true };
const ollama: ErrorContext = { provider: "ollama", endpoint: "http://127.0.0.1:11434", model: "qwen2.5-coder:1.5b" };
const sdk = (status: number, error: Record<string, unknown>, headers: Record<string, string> = {}): APIError =>
  APIError.generate(status, { error }, undefined, new Headers(headers));
/** The shape the ollama client throws for an HTTP error. */
const ollamaError = (status: number, error: string): Error => Object.assign(new Error(error), { name: "ResponseError", error, status_code: status });

void describe("classifyError", () => {
  void it("429: rate_limited, retryable, Retry-After (or retry-after-ms) kept", () => {
    const e = classifyError(sdk(429, { message: "Rate limit reached", code: "rate_limit_exceeded" }, { "retry-after": "3" }), openai, undefined);
    assert.equal(e.kind, "rate_limited");
    assert.equal(e.details.retryAfterMs, 3_000);
    assert.ok(isRetryable(e));
    assert.equal(classifyError(sdk(429, { message: "slow down" }, { "retry-after-ms": "250" }), openai, undefined).details.retryAfterMs, 250);
    const o = classifyError(ollamaError(429, "too many requests"), { ...ollama, retryAfter: "2" }, undefined);
    assert.equal(o.details.retryAfterMs, 2_000, "ollama's Retry-After comes from the fetch wrapper");
  });

  void it("context length errors from either server", () => {
    const e = classifyError(sdk(400, { message: "This model's maximum context length is 8192 tokens.", code: "context_length_exceeded" }), openai, undefined);
    assert.equal(e.kind, "context_too_long");
    assert.ok(!isRetryable(e));
    assert.equal(classifyError(ollamaError(400, "the input length exceeds the context length"), ollama, undefined).kind, "context_too_long");
  });

  void it("a 404 that is not about a model is a wrong URL, with a hint per provider", () => {
    const e = classifyError(sdk(404, { message: "Invalid URL (POST /chat/completions)" }), openai, undefined);
    assert.equal(e.kind, "server");
    assert.match(e.message, /usually end in \/v1/);
    const o = classifyError(ollamaError(404, "404 page not found"), ollama, undefined);
    assert.equal(o.kind, "server");
    assert.match(o.message, /chorus\.ollamaUrl/);
  });

  void it("unsupported requests (FIM on a chat model, logprobs on a reasoning model)", () => {
    assert.equal(classifyError(ollamaError(400, "registry.ollama.ai/library/llama3:latest does not support insert"), ollama, undefined).kind, "unsupported");
    assert.equal(classifyError(sdk(400, { message: "logprobs are not supported with reasoning models" }), openai, undefined).kind, "unsupported");
  });

  void it("socket failures: refused is not retried, a reset is", () => {
    const refused = new APIConnectionError({
      cause: new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) }),
    });
    const a = classifyError(refused, openai, undefined);
    assert.equal(a.kind, "unreachable");
    assert.ok(!isRetryable(a));
    const reset = new TypeError("terminated", { cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) });
    const b = classifyError(reset, ollama, undefined);
    assert.equal(b.kind, "unreachable");
    assert.ok(isRetryable(b));
    assert.match(b.message, /lost mid-reply/);
  });

  void it("our own stop decides between timeout and cancelled, whatever the client threw", () => {
    const quiet = new ProviderError("malformed", "ended before it was complete");
    assert.equal(classifyError(quiet, { ...openai, timeoutMs: 1500 }, "timeout").kind, "timeout");
    assert.match(classifyError(quiet, { ...openai, timeoutMs: 1500 }, "timeout").message, /within 1\.5 s/);
    assert.equal(classifyError(new DOMException("x", "AbortError"), openai, "cancelled").kind, "cancelled");
    assert.equal(classifyError(quiet, openai, undefined), quiet, "a ProviderError passes through untouched");
  });

  void it("sidecar wording: restart it, never 'set an API key'", () => {
    const e = classifyError(sdk(401, { message: "bad token" }), { provider: "sidecar", endpoint: "http://127.0.0.1:4000/v1" }, undefined);
    assert.equal(e.kind, "unauthorized");
    assert.match(e.message, /^The Chorus sidecar at http:\/\/127\.0\.0\.1:4000\/v1 rejected/);
    assert.doesNotMatch(e.message, /Set API Key/);
  });

  void it("keeps the original error as cause", () => {
    const original = sdk(500, { message: "boom" });
    const e = classifyError(original, openai, undefined);
    assert.equal(e.kind, "server");
    assert.equal(e.cause, original);
    assert.equal(e.details.status, 500);
  });
});
