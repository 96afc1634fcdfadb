// The shared core of every mixing strategy here: a weighted sum of log-probabilities, Σ cᵢ · log pᵢ(t), over a
// candidate set. Contrastive decoding, DExperts, proxy-tuning, products of experts and context-contrastive decoding
// differ only in the coefficients and in which tokens may be candidates.
//
// Working on log-probabilities rather than raw logits changes nothing after renormalisation: log pᵢ = zᵢ − log Zᵢ,
// so the sum differs from the logit form by a constant per step, which softmax cancels.

import { logprobOf, type NextTokenDist, type TokenId } from "../distribution";
import type { Mixed } from "./types";

/** The union of the read-out entries of the lanes with a positive coefficient (first-seen order), plus `required`. */
export function candidateUnion(dists: readonly NextTokenDist[], coeffs: readonly number[], required?: TokenId): TokenId[] {
  const seen = new Set<TokenId>();
  if (required !== undefined) seen.add(required);
  for (let i = 0; i < dists.length; i++) {
    if (!(coeffs[i]! > 0)) continue;
    for (const t of dists[i]!.logits.keys()) seen.add(t);
  }
  return [...seen];
}

export function linearMix(dists: readonly NextTokenDist[], coeffs: readonly number[], candidates: TokenId[]): Mixed {
  if (dists.length !== coeffs.length) throw new Error(`linearMix: ${dists.length} distributions but ${coeffs.length} coefficients`);
  const scores = new Float64Array(candidates.length);
  for (let j = 0; j < candidates.length; j++) {
    const t = candidates[j]!;
    let s = 0;
    for (let i = 0; i < dists.length; i++) {
      const c = coeffs[i]!;
      if (c === 0) continue;
      const lp = logprobOf(dists[i]!, t);
      s += c * lp;
    }
    // (−∞) − (−∞) is NaN: a token impossible under a positively weighted lane stays impossible.
    scores[j] = Number.isNaN(s) ? -Infinity : s;
  }
  return { tokens: candidates, scores };
}

/** `tokens` plus `required` when it is not already there. */
export function withRequired(tokens: TokenId[], required: TokenId | undefined): TokenId[] {
  if (required !== undefined && !tokens.includes(required)) tokens.push(required);
  return tokens;
}
