// One model's next-token distribution as the mixer sees it: the entries llama.cpp handed back (all of them, or
// only the top K) plus a log-normaliser.
//
// Two read-outs exist because sorting the whole vocabulary is what costs (O(V log V) in llama.cpp per step):
// - normalised: the normaliser covers the FULL vocabulary, so entries are true log-probabilities (deferral needs
//   the small model's true confidence);
// - top-K only: llama.cpp's own top-k sampler keeps the K best (a partial sort) and the normaliser covers only
//   those K. Every mix here is a weighted sum of log-probabilities renormalised over the candidates, and a
//   per-model constant added to every candidate's log-probability cancels in that renormalisation, so the mixed
//   distribution is the same either way.

export type TokenId = number;

export interface NextTokenDist {
  /** token → raw logit, highest first (node-llama-cpp's order). Only the entries that were read out. */
  readonly logits: ReadonlyMap<TokenId, number>;
  /** log Σ exp(logit) over the whole vocabulary (when `normalised`) or over the read-out entries only. */
  readonly logZ: number;
  /** Whether logZ covers the whole vocabulary, so logprobOf gives true log-probabilities. */
  readonly normalised: boolean;
  /** Whether every vocabulary entry is present, so a missing token really has probability 0. */
  readonly complete: boolean;
  /** The smallest logit read out. For a token left out of a top-K read-out its true logit is at most this. */
  readonly minLogit: number;
  /** The largest logit (the model's own greedy choice). */
  readonly maxLogit: number;
}

/** A model whose scores are all NaN or infinite: llama.cpp loads NaN weights without complaint (notes/node-llama-cpp.md). */
export class NonFiniteLogitsError extends Error {
  override readonly name = "NonFiniteLogitsError";
  constructor(message = "llama.cpp returned no finite logits for the next token") {
    super(message);
  }
}

/**
 * Build from node-llama-cpp's read-out. `totalLogitWeight` is Σ exp(logit − maxLogit) computed in C++ over the
 * candidates llama.cpp kept: the full vocabulary (normalised) or the top K. `usable` is how many ids may be mixed
 * (the shared vocabulary, vocab.ts); `excluded` ids (padding, ids another model lacks) are dropped from the entries
 * so that no strategy ever scores or chooses them. They still count in the normaliser (the model's own
 * probabilities stay true ones) and in the bound for entries left out (a read-out's last entry bounds every
 * token below it, excluded or not).
 */
export function distFromReadout(
  logits: ReadonlyMap<TokenId, number>,
  totalLogitWeight: number,
  usable: number,
  normalised = true,
  excluded?: Int32Array,
): NextTokenDist {
  const all = extremes(logits);
  if (logits.size === 0 || !Number.isFinite(all.max)) throw new NonFiniteLogitsError();
  // NaN weights leave some logits finite and their sum NaN: the same damaged model.
  if (!(totalLogitWeight >= 1)) throw new NonFiniteLogitsError(`llama.cpp returned an invalid total logit weight (${totalLogitWeight})`);
  const filter = excluded !== undefined && excluded.length > 0;
  const kept = filter ? withoutIds(logits, excluded) : logits;
  if (kept.size === 0) throw new Error("llama.cpp read out only padding or unshared tokens for the next token; read more entries (a larger topK)");
  const maxLogit = filter ? extremes(kept).max : all.max;
  const complete = kept.size >= usable;
  return { logits: kept, logZ: all.max + Math.log(totalLogitWeight), normalised: normalised || complete, complete, minLogit: all.min, maxLogit };
}

function extremes(logits: ReadonlyMap<TokenId, number>): { min: number; max: number } {
  let max = -Infinity;
  let min = Infinity;
  for (const v of logits.values()) {
    if (v > max) max = v;
    if (v < min) min = v;
  }
  return { min, max };
}

/** The entries minus `excluded`: in place when the read-out is a Map of its own (O(excluded)), as every read-out is. */
function withoutIds(logits: ReadonlyMap<TokenId, number>, excluded: Int32Array): ReadonlyMap<TokenId, number> {
  const own = logits instanceof Map ? (logits as Map<TokenId, number>) : new Map(logits);
  for (const t of excluded) own.delete(t);
  return own;
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
 * log p(t) (up to a per-model constant unless `normalised`). A token outside a top-K read-out gets the K-th entry's log-probability: an upper bound on its true
 * value (exact when K covers the support). This is the documented approximation of filtered mixing.
 */
export function logprobOf(d: NextTokenDist, t: TokenId): number {
  const v = d.logits.get(t);
  return v !== undefined ? v - d.logZ : missingLogprob(d);
}

/** What logprobOf gives a token that was not read out. */
export function missingLogprob(d: NextTokenDist): number {
  return d.complete ? -Infinity : d.minLogit - d.logZ;
}

/** The model's largest next-token probability (its confidence). */
export function maxProb(d: NextTokenDist): number {
  if (!d.normalised) throw new Error("maxProb needs a normalised read-out (the full-vocabulary normaliser)");
  return Math.exp(d.maxLogit - d.logZ);
}
