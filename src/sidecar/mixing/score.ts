// Scoring a given text under a mix (teacher forcing): the mixed log-probability of each of its tokens, and the
// cross-entropy. Each lane evaluates the whole text in one call, reading its distribution after every position,
// so scoring costs one batched evaluation per lane rather than one step per token.
// Each log-probability is the one decoding reports for a token it writes (sampling.ts: temperature 1, relative to
// the strategy's normaliser), so a text's score and a reply's logprobs are of one distribution.

import type { TokenId } from "./distribution";
import { evaluateLanes, type Lane } from "./lockstep";
import { candidateLogNorm, topAlternatives, type Alternative } from "./sampling";
import type { Mixed, Strategy } from "./strategies/types";

export interface ScoreResult {
  /** Mixed log-probability (nats) of each scored token, in order. */
  logprobs: number[];
  /** Each scored token's rank among the candidates (1 = the most likely; ties share the better rank), as vLLM reports it. */
  ranks: number[];
  /** The best `topN` alternatives at each position (best first), as decoding reports them; empty lists for topN 0. */
  top: Alternative[][];
  /** Mean negative log-probability per token, nats. */
  crossEntropy: number;
  /** For deferral: how many positions each lane decided. */
  writers: Record<string, number>;
}

/** Score `target` after each lane's pending prompt tokens (which this consumes: the part of the prompt not already cached). */
export async function scoreTokens(strategy: Strategy, lanes: Lane[], topK: number | "all", target: readonly TokenId[], topN = 0): Promise<ScoreResult> {
  if (target.length === 0) throw new Error("there is no text to score");
  const perLane = await evaluateLanes(
    lanes.map((lane, i) => {
      const prompt = lane.pending;
      lane.pending = [];
      // The last target token is never fed: nothing is predicted after it.
      return { lane, tokens: [...prompt, ...target.slice(0, -1)], readFrom: prompt.length - 1, normalised: strategy.kind === "defer" && i === 0 };
    }),
    topK,
  );
  const logprobs: number[] = [];
  const top: Alternative[][] = [];
  const ranks: number[] = [];
  const writers: Record<string, number> = {};
  for (let j = 0; j < target.length; j++) {
    const t = target[j]!;
    let mixed: Mixed;
    let writer = "mix";
    if (strategy.kind === "mix") {
      mixed = strategy.mix(
        perLane.map((d) => d[j]!),
        t,
      );
    } else {
      const small = perLane[0]![j]!;
      const deferred = strategy.defer(small);
      writer = lanes[deferred ? 1 : 0]!.role.role;
      mixed = strategy.pick(deferred ? perLane[1]![j]! : small, t);
    }
    writers[writer] = (writers[writer] ?? 0) + 1;
    const logNorm = normaliser(mixed);
    logprobs.push(logprobWithin(mixed, t, logNorm));
    ranks.push(rankWithin(mixed, t));
    top.push(topN > 0 ? topAlternatives(mixed, topN, logNorm) : []);
  }
  const crossEntropy = -logprobs.reduce((a, b) => a + b, 0) / logprobs.length;
  return { logprobs, top, ranks, crossEntropy, writers };
}

/** The normaliser decoding uses for these scores (sampling.ts); a mix that rules out every candidate has none. */
function normaliser(mixed: Mixed): number {
  let max = -Infinity;
  for (const s of mixed.scores) if (s > max) max = s;
  return max === -Infinity ? Infinity : candidateLogNorm(mixed, max);
}

/** 1 + how many candidates score above token t. */
function rankWithin(mixed: Mixed, t: TokenId): number {
  const j = mixed.tokens.indexOf(t);
  const own = j < 0 ? -Infinity : mixed.scores[j]!;
  let above = 0;
  for (const s of mixed.scores) if (s > own) above++;
  return above + 1;
}

/** The log-probability of token t (which the strategy was asked to include) among the mixed candidates. */
function logprobWithin(mixed: Mixed, t: TokenId, logNorm: number): number {
  const j = mixed.tokens.indexOf(t);
  return j < 0 ? -Infinity : mixed.scores[j]! - logNorm;
}
