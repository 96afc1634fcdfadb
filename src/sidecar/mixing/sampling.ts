// Choosing a token from mixed scores: greedy at temperature 0, else temperature + top-p with a seeded PRNG so a
// given seed always gives the same text. Also reports the chosen token's mixed log-probability (log-softmax of the
// scores at temperature 1, over the candidates) and the best alternatives, for OpenAI-style logprobs.

import { quoteValue } from "../../core/quote";
import type { TokenId } from "./distribution";
import type { Mixed } from "./strategies/types";
import { createRng } from "../random";

export interface SamplingOptions {
  /** 0 (the default) = greedy. */
  temperature?: number;
  /** Nucleus sampling: keep the smallest set of best tokens whose probability sums to at least topP. Default 1. */
  topP?: number;
  /** Seed for the PRNG (any integer); random when absent. */
  seed?: number;
}

export interface Alternative {
  token: TokenId;
  logprob: number;
}

export interface Choice extends Alternative {
  /** The best `topN` candidates by mixed log-probability, best first (may include the chosen token). */
  top: Alternative[];
}

export class SamplingError extends Error {
  override readonly name = "SamplingError";
}

export function validateSampling(o: SamplingOptions | undefined): Required<Omit<SamplingOptions, "seed">> & { seed: number | undefined } {
  const temperature = o?.temperature ?? 0;
  const topP = o?.topP ?? 1;
  if (typeof temperature !== "number" || !Number.isFinite(temperature) || temperature < 0 || temperature > 100)
    throw new SamplingError(`temperature must be a number from 0 to 100 (0 = greedy), not ${quoteValue(temperature)}`);
  if (typeof topP !== "number" || !Number.isFinite(topP) || topP <= 0 || topP > 1)
    throw new SamplingError(`top_p must be a number above 0 and at most 1, not ${quoteValue(topP)}`);
  const seed = o?.seed;
  if (seed !== undefined && (typeof seed !== "number" || !Number.isInteger(seed))) throw new SamplingError(`seed must be an integer, not ${quoteValue(seed)}`);
  return { temperature, topP, seed };
}

export class MixSampler {
  private readonly temperature: number;
  private readonly topP: number;
  private readonly random: () => number;

  constructor(options?: SamplingOptions) {
    const o = validateSampling(options);
    this.temperature = o.temperature;
    this.topP = o.topP;
    this.random = createRng(o.seed);
  }

  choose(mixed: Mixed, topN = 0): Choice {
    const { tokens, scores } = mixed;
    let best = -1;
    // Ties go to the lower token id, so greedy decoding never depends on the order of the read-out.
    for (let j = 0; j < scores.length; j++) {
      const sj = scores[j]!;
      if (sj === -Infinity) continue;
      if (best < 0 || sj > scores[best]! || (sj === scores[best]! && tokens[j]! < tokens[best]!)) best = j;
    }
    if (best < 0) throw new SamplingError("the mixed distribution gives every candidate token probability 0; no token can be chosen");
    const max = scores[best]!;
    const logNorm = candidateLogNorm(mixed, max);
    const index = this.temperature === 0 ? best : this.sample(mixed, max);
    return {
      token: tokens[index]!,
      logprob: scores[index]! - logNorm,
      top: topN > 0 ? topAlternatives(mixed, topN, logNorm) : [],
    };
  }

  /** Draws a candidate index; the draw depends on the candidates, never on the order they were read out in. */
  private sample(mixed: Mixed, max: number): number {
    const { tokens, scores } = mixed;
    const weights = new Float64Array(scores.length);
    let total = 0;
    for (let j = 0; j < scores.length; j++) total += weights[j] = Math.exp((scores[j]! - max) / this.temperature);
    // The pool is walked in a canonical order — by weight for top-p (it keeps the best), else by token id — with
    // ties to the lower token id, so one seed gives one text whatever order the lanes listed their entries in.
    let pool = Array.from({ length: scores.length }, (_, j) => j);
    if (this.topP < 1) {
      pool.sort((a, b) => weights[b]! - weights[a]! || tokens[a]! - tokens[b]!);
      let kept = 0;
      let n = 0;
      while (n < pool.length && kept < this.topP * total) kept += weights[pool[n++]!]!;
      pool = pool.slice(0, n);
      total = kept;
    } else {
      pool.sort((a, b) => tokens[a]! - tokens[b]!);
    }
    let r = this.random() * total;
    for (const j of pool) {
      r -= weights[j]!;
      if (r < 0) return j;
    }
    // Rounding can leave r a hair above 0 after the last weight: the last kept token with any weight wins.
    for (let i = pool.length - 1; i >= 0; i--) if (weights[pool[i]!]! > 0) return pool[i]!;
    return pool[0]!;
  }
}

/**
 * What a candidate's score is relative to: the scores' own normaliser (the distribution sampled from) unless the
 * strategy says they already are log-probabilities (logNorm 0). `max` is the largest finite score.
 */
export function candidateLogNorm(mixed: Mixed, max: number): number {
  if (mixed.logNorm !== undefined) return mixed.logNorm;
  let sum = 0;
  for (const s of mixed.scores) sum += Math.exp(s - max);
  return max + Math.log(sum);
}

/** The n best candidates by score (ties: the lower token id first), best first, in O(candidates · n) without sorting everything. */
export function topAlternatives(mixed: Mixed, n: number, logNorm: number): Alternative[] {
  const { tokens, scores } = mixed;
  /** Whether candidate a ranks above candidate b. */
  const above = (a: number, b: number) => scores[a]! > scores[b]! || (scores[a]! === scores[b]! && tokens[a]! < tokens[b]!);
  const picked: number[] = [];
  for (let j = 0; j < scores.length; j++) {
    if (scores[j] === -Infinity) continue;
    if (picked.length === n && !above(j, picked[n - 1]!)) continue;
    let at = picked.length;
    while (at > 0 && above(j, picked[at - 1]!)) at--;
    picked.splice(at, 0, j);
    if (picked.length > n) picked.pop();
  }
  return picked.map((j) => ({ token: mixed.tokens[j]!, logprob: mixed.scores[j]! - logNorm }));
}
