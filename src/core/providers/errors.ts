// Provider failures, classified so that callers (fallback chains, the UI) can act on the kind,
// and worded so that a user knows what to do.

import { safeMessage } from "../quote";
import type { Usage } from "./types";

export type ProviderErrorKind =
  | "unreachable"
  | "unauthorized"
  | "rate_limited"
  | "model_missing"
  | "context_too_long"
  | "malformed"
  | "timeout"
  | "cancelled"
  | "server"
  /** The model or endpoint cannot do what was asked (fill-in-the-middle, embeddings, logprobs). */
  | "unsupported"
  /** The output token limit ran out before the model wrote any answer (a reasoning model that spent it all thinking). */
  | "output_limit"
  | "budget";

export class ProviderError extends Error {
  override readonly name = "ProviderError";
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly details: {
      endpoint?: string;
      model?: string;
      status?: number;
      retryAfterMs?: number;
      cause?: unknown;
      /** Tokens the failed call was still billed for, so the ledger counts them. */
      usage?: Usage;
      /** Worth retrying the same request on the same endpoint right away (classify.ts decides; guarded.ts retries). */
      retryable?: boolean;
    } = {},
  ) {
    super(safeMessage(message), { cause: details.cause });
  }

  /** Worth trying the same request again later (or on another model in a fallback chain). */
  get transient(): boolean {
    return this.kind === "unreachable" || this.kind === "rate_limited" || this.kind === "timeout" || this.kind === "server";
  }
}

export function isProviderError(e: unknown): e is ProviderError {
  return e instanceof ProviderError;
}

export function isAbortError(e: unknown): boolean {
  return (e instanceof Error && (e.name === "AbortError" || e.name === "APIUserAbortError")) || (isProviderError(e) && e.kind === "cancelled");
}
