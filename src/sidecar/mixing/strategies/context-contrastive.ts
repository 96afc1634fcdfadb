// Context-contrastive decoding (context-aware decoding, Shi et al. 2023): one model read twice, with and without
// the file/project context, amplifying what the context adds:
//   score(t) = (1+β) · log p(t | context, prompt) − β · log p(t | prompt).
// Candidates: the with-context lane's read-out.

import type { NextTokenDist, TokenId } from "../distribution";
import type { ContextContrastiveSpec } from "../spec";
import { linearMix, withRequired } from "./linear";
import type { Mixed, MixingStrategy } from "./types";

export function contextContrastiveMix(withContext: NextTokenDist, without: NextTokenDist, beta: number, required?: TokenId): Mixed {
  return linearMix([withContext, without], [1 + beta, -beta], withRequired([...withContext.logits.keys()], required));
}

export function contextContrastiveStrategy(spec: ContextContrastiveSpec): MixingStrategy {
  const beta = spec.beta ?? 0.5;
  return {
    kind: "mix",
    lanes: [
      { role: "with-context", model: spec.model, withContext: true },
      { role: "without-context", model: spec.model, withContext: false },
    ],
    mix: ([withCtx, without], required) => contextContrastiveMix(withCtx!, without!, beta, required),
  };
}
