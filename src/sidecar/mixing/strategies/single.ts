// One model alone, as a strategy: how the sidecar serves a real (non-virtual) model through the same decode loop
// as a mix, so a model and a preset share sampling, stop strings, streaming, logprobs and lookahead.
//
// It is a deferring strategy that never defers, so the decode loop reads its one lane as it reads deferral's writer.
// With `logprobs` the lane is read with the full-vocabulary normaliser and the scores are the model's true
// log-probabilities as they are (logNorm 0), not renormalised over the read-out. Without, the normaliser's extra
// O(vocabulary) pass per position is skipped: sampling only needs the read-out's relative scores.

import { ownScores } from "./deferral";
import type { DeferringStrategy } from "./types";

export function singleModelStrategy(model: string, opts: { logprobs: boolean }): DeferringStrategy {
  return {
    kind: "defer",
    lanes: [{ role: "model", model, withContext: true }],
    normalisedWriter: opts.logprobs,
    defer: () => false,
    // A read-out that covers the vocabulary is normalised whatever was asked.
    pick: (dist, required) => (dist.normalised ? { ...ownScores(dist, required), logNorm: 0 } : ownScores(dist, required)),
  };
}
