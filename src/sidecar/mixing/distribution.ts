// One model's next-token distribution as the mixer sees it: the entries llama.cpp handed back (all of them, or
// only the top K) plus the log-normaliser of the FULL distribution, so every entry is an exact log-probability
// even when most of the vocabulary was never copied into JavaScript.

export type TokenId = number;

export interface NextTokenDist {
  /** token → raw logit, highest first (node-llama-cpp's order). Only the entries that were read out. */
  readonly logits: ReadonlyMap<TokenId, number>;
  /** log Σ_v exp(logit_v) over the whole vocabulary: log p(t) = logit(t) − logZ. */
  readonly logZ: number;
  /** Whether every vocabulary entry is present, so a missing token really has probability 0. */
  readonly complete: boolean;
  /** The smallest logit read out. For a token left out of a top-K read-out its true logit is at most this. */
  readonly minLogit: number;
  /** The largest logit (the model's own greedy choice). */
  readonly maxLogit: number;
}

/**
 * Build from node-llama-cpp's filtered read-out. `totalLogitWeight` is Σ exp(logit − maxLogit) over the full
 * vocabulary (computed in C++), which is what turns a top-K slice into exact log-probabilities.
 */
export function distFromReadout(logits: ReadonlyMap<TokenId, number>, totalLogitWeight: number, vocabSize: number): NextTokenDist {
  let maxLogit = -Infinity;
  let minLogit = Infinity;
  for (const v of logits.values()) {
    if (v > maxLogit) maxLogit = v;
    if (v < minLogit) minLogit = v;
  }
  if (logits.size === 0 || !Number.isFinite(maxLogit)) throw new Error("llama.cpp returned no finite logits for the next token");
  if (!(totalLogitWeight >= 1)) throw new Error(`llama.cpp returned an invalid total logit weight (${totalLogitWeight})`);
  return { logits, logZ: maxLogit + Math.log(totalLogitWeight), complete: logits.size >= vocabSize, minLogit, maxLogit };
}

/**
 * Build from a full row of log-probabilities (tests and the bigram tables): keep the top `k` entries, as llama.cpp
 * would, with the normaliser of the full row.
 */
export function distFromLogprobs(row: ArrayLike<number>, k = row.length): NextTokenDist {
  const order = Array.from({ length: row.length }, (_, i) => i).sort((a, b) => row[b]! - row[a]! || a - b);
  const kept = order.slice(0, Math.max(1, Math.min(k, row.length)));
  const logits = new Map<TokenId, number>();
  for (const t of kept) logits.set(t, row[t]!);
  const max = row[order[0]!]!;
  let total = 0;
  for (let i = 0; i < row.length; i++) total += Math.exp(row[i]! - max);
  return distFromReadout(logits, total, row.length);
}

/**
 * log p(t). A token outside a top-K read-out gets the K-th entry's log-probability: an upper bound on its true
 * value (exact when K covers the support). This is the documented approximation of filtered mixing.
 */
export function logprobOf(d: NextTokenDist, t: TokenId): number {
  const v = d.logits.get(t);
  if (v !== undefined) return v - d.logZ;
  return d.complete ? -Infinity : d.minLogit - d.logZ;
}

/** The model's largest next-token probability (its confidence). */
export function maxProb(d: NextTokenDist): number {
  return Math.exp(d.maxLogit - d.logZ);
}
