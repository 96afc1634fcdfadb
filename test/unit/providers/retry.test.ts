/** Retry-After parsing and the backoff schedule (retry.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backoffDelay, parseRetryAfter, retryDelay, sleep, type RetryPolicy } from "../../../src/core/providers/retry";
import { ProviderError } from "../../../src/core/providers/errors";

const policy: RetryPolicy = { retries: 3, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 10_000 };

void describe("parseRetryAfter", () => {
  void it("reads delta-seconds, including fractions", () => {
    assert.equal(parseRetryAfter("7"), 7_000);
    assert.equal(parseRetryAfter(" 1.5 "), 1_500);
    assert.equal(parseRetryAfter("0"), 0);
  });
  void it("reads an HTTP date relative to now, never negative", () => {
    const now = Date.parse("Sun, 22 Nov 2026 10:00:00 GMT");
    assert.equal(parseRetryAfter("Sun, 22 Nov 2026 10:00:30 GMT", now), 30_000);
    assert.equal(parseRetryAfter("Sun, 22 Nov 2026 09:59:00 GMT", now), 0);
  });
  void it("ignores what it cannot read", () => {
    for (const v of [undefined, null, "", "soon", "-5", "1e3"]) assert.equal(parseRetryAfter(v), undefined, String(v));
  });
});

void describe("backoff", () => {
  void it("doubles per retry within [step/2, step], capped", () => {
    const at = (r: number, retry: number): number => backoffDelay({ ...policy, random: () => r }, retry);
    assert.deepEqual(
      [0, 1, 2, 3, 6].map((n) => at(0, n)),
      [50, 100, 200, 400, 500],
    );
    assert.deepEqual(
      [0, 1, 2, 3, 6].map((n) => at(0.999999, n)),
      [100, 200, 400, 800, 1_000],
    );
  });
  void it("prefers the server's Retry-After, and refuses one longer than the cap", () => {
    const err = (ms?: number): ProviderError => new ProviderError("rate_limited", "x", { retryAfterMs: ms });
    assert.equal(retryDelay(policy, err(2_500), 0, true), 2_500);
    assert.equal(retryDelay(policy, err(60_000), 0, true), undefined);
    const d = retryDelay(policy, err(undefined), 1, true);
    assert.ok(d !== undefined && d >= 100 && d <= 200);
  });
  void it("stops after the allowed retries and never retries what is not retryable", () => {
    const err = new ProviderError("server", "x");
    assert.equal(retryDelay(policy, err, 3, true), undefined);
    assert.equal(retryDelay(policy, err, 0, false), undefined);
  });
});

void describe("sleep", () => {
  void it("rejects as soon as its signal aborts", async () => {
    const ctl = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ctl.abort(new Error("stop")), 20);
    await assert.rejects(sleep(60_000, ctl.signal), /stop/);
    assert.ok(Date.now() - t0 < 30_000);
    await assert.rejects(sleep(10, AbortSignal.abort(new Error("already"))), /already/);
  });
});
