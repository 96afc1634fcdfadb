// One model alone, as a strategy: how the sidecar serves a real (non-virtual) model through the same decode loop
// as a mix, so a model and a preset share sampling, stop strings, streaming, logprobs and lookahead.
//
// It is a deferring strategy that never defers: the decode loop then reads its one lane with the full-vocabulary
// normaliser (deferral needs true probabilities for its confidence, and a model's logprobs must be true ones too).
// Its scores are those log-probabilities as they are (logNorm 0), not renormalised over the read-out, so a model's
// reported logprobs are the model's own whatever the top K.

import { ownScores } from "./deferral";
import type { DeferringStrategy } from "./types";

export function singleModelStrategy(model: string): DeferringStrategy {
  return {
    kind: "defer",
    lanes: [{ role: "model", model, withContext: true }],
    defer: () => false,
    pick: (dist, required) => ({ ...ownScores(dist, required), logNorm: 0 }),
  };
}
