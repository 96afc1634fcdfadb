// DExperts (Liu et al. 2021): steer a base model towards an expert and away from an anti-expert,
//   score(t) = log p_base(t) + α · (log p_expert(t) − log p_anti(t)),  α = 2 in the paper.
// Candidates: the read-out entries of the base and the expert (the anti-expert only pushes tokens down).

import type { NextTokenDist, TokenId } from "../distribution";
import type { DExpertsSpec } from "../spec";
import { candidateUnion, linearMix } from "./linear";
import type { Mixed, MixingStrategy } from "./types";

export function dexpertsMix(base: NextTokenDist, expert: NextTokenDist, anti: NextTokenDist, alpha: number, required?: TokenId): Mixed {
  const dists = [base, expert, anti];
  const coeffs = [1, alpha, -alpha];
  return linearMix(dists, coeffs, candidateUnion(dists, coeffs, required));
}

export function dexpertsStrategy(spec: DExpertsSpec): MixingStrategy {
  const alpha = spec.alpha ?? 2;
  return {
    kind: "mix",
    lanes: [
      { role: "base", model: spec.base, withContext: true },
      { role: "expert", model: spec.expert, withContext: true },
      { role: "anti-expert", model: spec.antiExpert, withContext: true },
    ],
    mix: ([base, expert, anti], required) => dexpertsMix(base!, expert!, anti!, alpha, required),
  };
}
