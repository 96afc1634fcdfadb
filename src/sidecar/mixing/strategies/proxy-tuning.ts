// Proxy-tuning (Liu et al. 2024): apply a small model's tuning to a large untuned one at decoding time,
//   score(t) = log p_large(t) + α · (log p_tuned(t) − log p_untuned(t)),  α = 1 in the paper.

import type { NextTokenDist, TokenId } from "../distribution";
import type { ProxyTuningSpec } from "../spec";
import { candidateUnion, linearMix } from "./linear";
import type { Mixed, MixingStrategy } from "./types";

export function proxyTuningMix(large: NextTokenDist, tuned: NextTokenDist, untuned: NextTokenDist, alpha: number, required?: TokenId): Mixed {
  const dists = [large, tuned, untuned];
  const coeffs = [1, alpha, -alpha];
  return linearMix(dists, coeffs, candidateUnion(dists, coeffs, required));
}

export function proxyTuningStrategy(spec: ProxyTuningSpec): MixingStrategy {
  const alpha = spec.alpha ?? 1;
  return {
    kind: "mix",
    lanes: [
      { role: "large", model: spec.large, withContext: true },
      { role: "tuned", model: spec.tuned, withContext: true },
      { role: "untuned", model: spec.untuned, withContext: true },
    ],
    mix: ([large, tuned, untuned], required) => proxyTuningMix(large!, tuned!, untuned!, alpha, required),
  };
}
