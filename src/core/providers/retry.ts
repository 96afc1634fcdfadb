/**
 * Retry policy shared by every provider: exponential backoff with jitter, Retry-After honoured (seconds or an
 * HTTP date), and an abort that stops a pending wait at once. The one implementation; ollama.ts, openai.ts and
 * sidecar.ts all go through guarded.ts, which calls into here.
 */

import { ProviderError } from "./errors";

export interface RetryPolicy {
  /** Retries after the first attempt (0 = never retry). */
  retries: number;
  /** First backoff step; each further retry doubles it. */
  baseDelayMs: number;
  /** Cap for one backoff step. */
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the caller (e.g. a fallback chain) should move on instead. */
  maxRetryAfterMs: number;
  /** Replaceable for tests: returns a number in [0, 1). */
  random?: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 2, baseDelayMs: 400, maxDelayMs: 8_000, maxRetryAfterMs: 30_000 };

/**
 * Parse a Retry-After header value into milliseconds from `now`. Accepts delta-seconds ("7", "1.5" as some
 * servers send) or an HTTP date. Returns undefined when absent or unreadable so the normal backoff applies.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  // HTTP dates all start with a day name; without this, Date.parse would read "-5" or "1e3" as years.
  if (!/^[A-Za-z]/.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * How long to wait before retry number `retry` (0-based). Equal jitter: half the step is fixed, half random, so
 * many clients that failed together do not all come back at the same instant, yet no wait collapses to zero.
 */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  const r = (policy.random ?? Math.random)();
  return Math.round(step / 2 + (step / 2) * r);
}

/**
 * The wait before the next attempt after `err`, or undefined when this error should not be retried at all.
 * A server's Retry-After wins over our own backoff; one too long to wait for ends the retries.
 */
export function retryDelay(policy: RetryPolicy, err: ProviderError, retry: number, retryable: boolean): number | undefined {
  if (!retryable || retry >= policy.retries) return undefined;
  const after = err.details.retryAfterMs;
  if (after !== undefined) return after <= policy.maxRetryAfterMs ? after : undefined;
  return backoffDelay(policy, retry);
}

/** Wait `ms`, or reject as soon as `signal` aborts (the rejection is the abort reason, classified by the caller). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new Error("aborted"));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error("aborted"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
