// Contrastive decoding (Li et al. 2023, in the (1+β)/β form of O'Brien & Lewis 2023):
//   V = { t : p_exp(t) ≥ α · max_v p_exp(v) }            (plausibility: the expert must find t reasonable)
//   score(t) = (1+β) · log p_exp(t) − β · log p_ama(t)  for t ∈ V, excluded otherwise.
// With a top-K read-out V is cut to the expert's top K. That is exact whenever K ≥ |V|, and |V| ≤ 1/(α·max p_exp)
// because every member has probability at least α·max p_exp: with α = 0.1 and a confident expert, V is small.

import type { NextTokenDist, TokenId } from "../distribution";
import type { ContrastiveSpec } from "../spec";
import { linearMix, withRequired } from "./linear";
import type { Mixed, MixingStrategy } from "./types";

export function contrastiveMix(expert: NextTokenDist, amateur: NextTokenDist, alpha: number, beta: number, required?: TokenId): Mixed {
  // log p ≥ log α + max log p, in logit units (the normaliser cancels).
  const cut = expert.maxLogit + Math.log(alpha);
  const plausible: number[] = [];
  for (const [t, z] of expert.logits) if (z >= cut) plausible.push(t);
  const n = plausible.length;
  const mixed = linearMix([expert, amateur], [1 + beta, -beta], withRequired(plausible, required));
  // A required token outside the plausible set is listed but may not be chosen.
  if (mixed.tokens.length > n) mixed.scores[n] = -Infinity;
  return mixed;
}

export function contrastiveStrategy(spec: ContrastiveSpec): MixingStrategy {
  const alpha = spec.alpha ?? 0.1;
  const beta = spec.beta ?? 0.5;
  return {
    kind: "mix",
    lanes: [
      { role: "expert", model: spec.expert, withContext: true },
      { role: "amateur", model: spec.amateur, withContext: true },
    ],
    mix: ([expert, amateur], required) => contrastiveMix(expert!, amateur!, alpha, beta, required),
  };
}
