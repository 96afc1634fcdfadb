/**
 * The one request loop every provider runs its HTTP calls through: a per-attempt timeout, cancellation by the
 * caller's AbortSignal, retries (only before the first piece of a reply reaches the caller, since a half-shown
 * reply cannot be taken back), and classification of every failure into a ProviderError. A stream that the consumer stops early
 * aborts its attempt, which closes the connection.
 */

import { classifyError, isRetryable, type ErrorContext, type StopReason } from "./classify";
import { ProviderError } from "./errors";
import { DEFAULT_RETRY, retryDelay, sleep, type RetryPolicy } from "./retry";
import type { Delta } from "./types";

export interface CallPolicy {
  /** For a plain call: the whole request. For a stream: the wait for the reply to start and each gap between
   *  pieces, so a long but steady reply is never cut while a stalled one is. */
  timeoutMs: number;
  retry: RetryPolicy;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_POLICY: CallPolicy = { timeoutMs: DEFAULT_TIMEOUT_MS, retry: DEFAULT_RETRY };

/** One try at a request: its own abort controller, linked to the caller's signal, with a re-armable timer. */
class Attempt {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timedOut = false;
  readonly signal: AbortSignal;

  constructor(
    private readonly outer: AbortSignal | undefined,
    private readonly timeoutMs: number,
  ) {
    this.signal = outer ? AbortSignal.any([outer, this.controller.signal]) : this.controller.signal;
  }

  arm(): void {
    this.disarm();
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new DOMException(`no reply within ${this.timeoutMs} ms`, "TimeoutError"));
    }, this.timeoutMs);
  }

  disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  stopReason(): StopReason {
    if (this.outer?.aborted) return "cancelled";
    return this.timedOut ? "timeout" : undefined;
  }

  /** Ends the attempt; aborting a finished fetch is a no-op, aborting a live one closes its connection. */
  close(): void {
    this.disarm();
    this.controller.abort();
  }
}

function cancelledBeforeStart(ctx: ErrorContext): ProviderError {
  return classifyError(new DOMException("aborted", "AbortError"), ctx, "cancelled");
}

/** Waits out the backoff; an abort during the wait ends the retries at once, as "cancelled". */
async function waitBeforeRetry(ms: number, signal: AbortSignal | undefined, ctx: ErrorContext): Promise<void> {
  try {
    await sleep(ms, signal);
  } catch {
    throw cancelledBeforeStart(ctx);
  }
}

/** A non-streamed request (list models, embeddings) with timeout, retries and classification. */
export async function guardedCall<T>(
  policy: CallPolicy,
  ctx: ErrorContext,
  signal: AbortSignal | undefined,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const full: ErrorContext = { ...ctx, timeoutMs: policy.timeoutMs };
  for (let retry = 0; ; retry++) {
    if (signal?.aborted) throw cancelledBeforeStart(full);
    const attempt = new Attempt(signal, policy.timeoutMs);
    attempt.arm();
    try {
      return await run(attempt.signal);
    } catch (e) {
      const err = classifyError(e, full, attempt.stopReason());
      const wait = retryDelay(policy.retry, err, retry, isRetryable(err));
      if (wait === undefined) throw err;
      await waitBeforeRetry(wait, signal, full);
    } finally {
      attempt.close();
    }
  }
}

/**
 * A streamed request. `open` sends it and returns the provider's deltas; it may throw a ProviderError itself (a
 * cut reply). `ctx()` is read on each failure so a provider can add facts learned during the call.
 */
export async function* guardedStream(
  policy: CallPolicy,
  ctx: () => ErrorContext,
  signal: AbortSignal | undefined,
  open: (signal: AbortSignal) => Promise<AsyncIterable<Delta>>,
): AsyncGenerator<Delta, void, undefined> {
  for (let retry = 0; ; retry++) {
    const full = (): ErrorContext => ({ ...ctx(), timeoutMs: policy.timeoutMs });
    if (signal?.aborted) throw cancelledBeforeStart(full());
    const attempt = new Attempt(signal, policy.timeoutMs);
    let iterator: AsyncIterator<Delta> | undefined;
    let started = false;
    try {
      // (The openai SDK ends an aborted stream quietly; the stop check after each read turns that into an error.)
      attempt.arm();
      iterator = (await open(attempt.signal))[Symbol.asyncIterator]();
      for (;;) {
        attempt.arm();
        const r = await iterator.next();
        attempt.disarm();
        // A cancelled request yields nothing more, even pieces that had already arrived in a buffer.
        const stopped = attempt.stopReason();
        if (stopped) throw classifyError(new DOMException("aborted", "AbortError"), full(), stopped);
        if (r.done) break;
        started = true;
        yield r.value;
      }
      return;
    } catch (e) {
      const err = classifyError(e, full(), attempt.stopReason());
      const wait = started ? undefined : retryDelay(policy.retry, err, retry, isRetryable(err));
      if (wait === undefined) throw err;
      await waitBeforeRetry(wait, signal, full());
    } finally {
      attempt.close();
      // Let the client release its reader; its own errors here are moot since the attempt is over.
      if (iterator?.return) await Promise.resolve(iterator.return()).catch(() => undefined);
    }
  }
}
