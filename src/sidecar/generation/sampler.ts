// Picks the next token from a (possibly mixed) next-token distribution, after mixing, with OpenAI's knobs:
// temperature (0 = greedy), top_p, and a seed that makes a run repeatable. Works on the read-out entries only,
// so its cost does not grow with the vocabulary.

import { logprobOf, type NextTokenDist, type TokenId } from "../mixing/distribution";

import type { Rng } from "../random";

export { createRng, type Rng } from "../random";

export interface SamplingParams {
  temperature: number;
  topP: number;
}

export function greedyToken(dist: NextTokenDist): TokenId {
  let best: TokenId | undefined;
  let bestLogit = -Infinity;
  for (const [t, l] of dist.logits) {
    // Ties go to the lower id, so greedy decoding never depends on Map order.
    if (l > bestLogit || (l === bestLogit && best !== undefined && t < best)) {
      best = t;
      bestLogit = l;
    }
  }
  if (best === undefined) throw new Error("the next-token distribution is empty");
  return best;
}

export function sampleToken(dist: NextTokenDist, params: SamplingParams, rng: Rng): TokenId {
  if (params.temperature <= 0) return greedyToken(dist);
  const entries = [...dist.logits.entries()].filter(([, l]) => Number.isFinite(l)).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const first = entries[0];
  if (!first) throw new Error("the next-token distribution has no finite entry");
  const max = first[1];
  const weights = entries.map(([, l]) => Math.exp((l - max) / params.temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  // top_p: keep the smallest head of the sorted list whose probability reaches top_p.
  let keep = entries.length;
  if (params.topP < 1) {
    let cum = 0;
    for (let i = 0; i < weights.length; i++) {
      cum += weights[i]! / total;
      if (cum >= params.topP) {
        keep = i + 1;
        break;
      }
    }
  }
  const keptTotal = weights.slice(0, keep).reduce((a, b) => a + b, 0);
  let r = rng() * keptTotal;
  for (let i = 0; i < keep; i++) {
    r -= weights[i]!;
    if (r <= 0) return entries[i]![0];
  }
  return entries[keep - 1]![0];
}

/** The `top` most likely tokens with their log-probabilities (under the distribution itself, temperature 1). */
export function topAlternatives(dist: NextTokenDist, top: number): { token: TokenId; logprob: number }[] {
  if (top <= 0) return [];
  return [...dist.logits.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, top)
    .map(([token]) => ({ token, logprob: logprobOf(dist, token) }));
}
