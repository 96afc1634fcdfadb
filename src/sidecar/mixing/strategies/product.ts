// Weighted product of experts: p(t) ∝ Π pᵢ(t)^wᵢ, i.e. score(t) = Σ wᵢ · log pᵢ(t), renormalised over the
// candidates (the union of every positively weighted model's read-out).

import type { NextTokenDist, TokenId } from "../distribution";
import type { ProductSpec } from "../spec";
import { candidateUnion, linearMix } from "./linear";
import type { Mixed, MixingStrategy } from "./types";

export function productMix(dists: readonly NextTokenDist[], weights: readonly number[], required?: TokenId): Mixed {
  return linearMix(dists, weights, candidateUnion(dists, weights, required));
}

export function productStrategy(spec: ProductSpec): MixingStrategy {
  const weights = spec.models.map((m) => m.weight);
  return {
    kind: "mix",
    lanes: spec.models.map((m, i) => ({ role: `model ${i + 1} (${m.model})`, model: m.model, withContext: true })),
    mix: (dists, required) => productMix(dists, weights, required),
  };
}
