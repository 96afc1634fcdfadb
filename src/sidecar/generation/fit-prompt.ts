// Fitting a completion prompt into a model's context by dropping whole lines: the oldest lines before the cursor
// first, then the farthest lines after it. An editor's completion request carries a fixed number of characters
// around the cursor; a model with a small context, or a byte-level vocabulary (one token per character), cannot
// hold them all, and a 400 on every keystroke helps no one. Whole lines keep the cut stable while the user types
// (the same lines are dropped until a further one must go), so the KV cache's prefix reuse keeps working.
//
// Only on request (`truncate_prompt_tokens`, as vLLM names it): an API client that sent a prompt should otherwise
// hear that it does not fit rather than have it shortened behind its back.

export interface PromptParts {
  prefix: string;
  suffix: string;
}

/**
 * The longest tail of the prefix's lines (then head of the suffix's) whose size is at most `limit`, found by
 * bisection (size grows with the lines kept). Returns the parts unchanged when they fit, and undefined when not
 * even the cursor's own line fits alone.
 */
export function fitByLines(parts: PromptParts, limit: number, size: (p: PromptParts) => number): PromptParts | undefined {
  if (size(parts) <= limit) return parts;
  const prefixLines = splitKeepingNewlines(parts.prefix);
  const suffixLines = splitKeepingNewlines(parts.suffix);
  const keepPrefix = (n: number): PromptParts => ({ prefix: prefixLines.slice(prefixLines.length - n).join(""), suffix: parts.suffix });
  // The cursor's line (the prefix's last) always stays; first find how many earlier lines fit with the whole suffix.
  const n = largestFitting(1, prefixLines.length, (k) => size(keepPrefix(k)) <= limit);
  if (n !== undefined) return keepPrefix(n);
  const cursorLine = keepPrefix(1).prefix;
  const keepSuffix = (k: number): PromptParts => ({ prefix: cursorLine, suffix: suffixLines.slice(0, k).join("") });
  const m = largestFitting(0, suffixLines.length, (k) => size(keepSuffix(k)) <= limit);
  return m === undefined ? undefined : keepSuffix(m);
}

/** Lines with their "\n" kept, so joining a slice gives back the exact text (an empty text has no lines). */
function splitKeepingNewlines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** The largest k in [lo, hi] with fits(k), assuming fits is true up to some k and false after; undefined if none. */
function largestFitting(lo: number, hi: number, fits: (k: number) => boolean): number | undefined {
  if (hi < lo || !fits(lo)) return undefined;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * How many prompt tokens a request may use: `truncate` (vLLM's truncate_prompt_tokens) is −1 for "as many as fit"
 * or a positive cap; the room the reply needs (up to half the context) is kept free either way.
 */
export function promptTokenLimit(truncate: number, contextSize: number, maxTokens: number): number {
  const room = contextSize - Math.min(maxTokens, Math.floor(contextSize / 2));
  return truncate > 0 ? Math.min(truncate, room) : room;
}
