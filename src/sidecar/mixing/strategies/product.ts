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
  // A model with weight 0 contributes nothing, so it gets no lane and is never evaluated.
  const used = spec.models.map((m, i) => ({ ...m, role: `model ${i + 1} (${m.model})` })).filter((m) => m.weight > 0);
  const weights = used.map((m) => m.weight);
  return {
    kind: "mix",
    lanes: used.map((m) => ({ role: m.role, model: m.model, withContext: true })),
    mix: (dists, required) => productMix(dists, weights, required),
  };
}
