// Token-level deferral: the small model writes; where its confidence (its largest next-token probability) is
// below τ, the large model picks that token instead. The large model is only evaluated on those steps: the tokens
// written in between are fed to it in one batch when it is next needed, which is what makes deferral cheap.

import { logprobOf, maxProb, type NextTokenDist, type TokenId } from "../distribution";
import { withRequired } from "./linear";
import type { DeferralSpec } from "../spec";
import type { DeferringStrategy, Mixed } from "./types";

export function shouldDefer(small: NextTokenDist, tau: number): boolean {
  return maxProb(small) < tau;
}

/** The chosen writer's own distribution over its read-out, as scores. */
export function ownScores(dist: NextTokenDist, required?: TokenId): Mixed {
  const tokens = withRequired([...dist.logits.keys()], required);
  const scores = new Float64Array(tokens.length);
  for (let j = 0; j < tokens.length; j++) scores[j] = logprobOf(dist, tokens[j]!);
  return { tokens, scores };
}

export function deferralStrategy(spec: DeferralSpec): DeferringStrategy {
  const tau = spec.tau ?? 0.5;
  return {
    kind: "defer",
    lanes: [
      { role: "small", model: spec.small, withContext: true },
      { role: "large", model: spec.large, withContext: true },
    ],
    defer: (small) => shouldDefer(small, tau),
    pick: ownScores,
  };
}
