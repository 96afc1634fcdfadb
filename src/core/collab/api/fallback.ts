// Fallback chains: when a model is unreachable, rate-limited, timed out, over budget or not allowed for this
// file, the next model in the chain answers. Models records every failed attempt in the ledger; the answer that
// finally comes back is recorded with decision "fallback:<model>" and the reason naming what failed before it.

import { isAbortError, isProviderError, ProviderError } from "../../providers/errors";
import { isPrivacyBlocked } from "../../privacy";

export interface Skipped {
  model: string;
  why: string;
}

export interface FallbackResult<T> {
  value: T;
  model: string;
  skipped: Skipped[];
}

/** Should the chain move on to the next model after this error? Cancellation and bad requests stop it. */
export function shouldFallBack(e: unknown): boolean {
  if (isAbortError(e)) return false;
  if (isPrivacyBlocked(e)) return true;
  if (!isProviderError(e)) return false;
  return e.transient || e.kind === "budget" || e.kind === "model_missing" || e.kind === "unauthorized" || e.kind === "unsupported";
}

export function describeFailure(e: unknown): string {
  if (isPrivacyBlocked(e)) return `not allowed for this file (${e.rule})`;
  if (!isProviderError(e)) return e instanceof Error ? e.message : String(e);
  const status = e.details.status ? ` (HTTP ${e.details.status})` : "";
  switch (e.kind) {
    case "rate_limited":
      return `rate-limited${status}`;
    case "unreachable":
      return "unreachable";
    case "timeout":
      return "timed out";
    case "budget":
      return "over the cloud budget";
    case "model_missing":
      return "model not found";
    case "unauthorized":
      return `rejected the API key${status}`;
    default:
      return `${e.kind}${status}`;
  }
}

/**
 * Try `chain` in order. `attempt` gets the model id and the ledger decision/reason to record if this attempt is
 * the one that answers (so the successful call explains the fallback that led to it).
 */
export async function withFallback<T>(
  chain: string[],
  attempt: (model: string, decision: string | undefined, reason: string | undefined) => Promise<T>,
): Promise<FallbackResult<T>> {
  if (chain.length === 0) throw new ProviderError("model_missing", "No model to call: the fallback chain is empty. Add models to chorus.models.");
  const skipped: Skipped[] = [];
  let last: unknown;
  for (const model of chain) {
    const reason = skipped.length ? skipped.map((s) => `${s.model} ${s.why}`).join("; ") : undefined;
    try {
      const value = await attempt(model, skipped.length ? `fallback:${model}` : undefined, reason);
      return { value, model, skipped };
    } catch (e) {
      if (!shouldFallBack(e)) throw e;
      last = e;
      skipped.push({ model, why: describeFailure(e) });
    }
  }
  const summary = skipped.map((s) => `${s.model} ${s.why}`).join("; ");
  const kind = isProviderError(last) ? last.kind : "unreachable";
  throw new ProviderError(
    kind,
    `Every model in the fallback chain failed: ${summary}. Check that they are running, or add another to chorus.routing.fallbackChain.`,
    {
      cause: last,
    },
  );
}
