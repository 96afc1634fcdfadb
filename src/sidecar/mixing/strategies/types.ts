// What every logit strategy hands the lockstep engine: the lanes it needs (a lane = one model sequence fed one
// variant of the prompt) and how it turns their next-token distributions into mixed scores.

import type { NextTokenDist, TokenId } from "../distribution";

export interface LaneRole {
  /** The strategy's name for this lane ("expert", "amateur", "with-context", …), used in reports and errors. */
  role: string;
  /** Registry name of the model that runs it. */
  model: string;
  /** Whether this lane's prompt starts with the request's `context` (all but context-contrastive's second lane). */
  withContext: boolean;
}

/** Mixed next-token scores over a small candidate set; −Infinity marks a candidate that may not be chosen. */
export interface Mixed {
  tokens: TokenId[];
  /** Unnormalised log-weights, one per token; sampling renormalises over the candidates. */
  scores: Float64Array;
  /**
   * What reported log-probabilities are relative to: absent = the candidates' log-sum-exp (the distribution
   * sampled from); 0 = the scores already are log-probabilities over the whole vocabulary (one model alone).
   */
  logNorm?: number;
}

/** Every lane is read on every step and the strategy combines them. */
export interface MixingStrategy {
  kind: "mix";
  lanes: LaneRole[];
  /** `required`: a token that must be among the candidates (scoring a given text), even if it gets −∞. */
  mix(dists: readonly NextTokenDist[], required?: TokenId): Mixed;
}

/**
 * Lane 0 writes (read with the full normaliser: its confidence must be a true probability); the other lanes are only read where `defer(lane 0)` is true (they still receive every token,
 * in a batch when next needed, so their context stays in step).
 */
export interface DeferringStrategy {
  kind: "defer";
  lanes: LaneRole[];
  /**
   * Whether lane 0 is read with the full-vocabulary normaliser (default true: deferral's confidence must be a
   * true probability). One model alone needs it only to report logprobs; sampling works on relative scores.
   */
  normalisedWriter?: boolean;
  defer(first: NextTokenDist): boolean;
  /** Scores from lane 0 alone (not deferred) or from the deferred-to lane. */
  pick(dist: NextTokenDist, required?: TokenId): Mixed;
}

export type Strategy = MixingStrategy | DeferringStrategy;
