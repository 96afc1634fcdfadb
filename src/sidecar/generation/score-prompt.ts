// Scoring a completion's prompt: OpenAI's legacy `echo` with `logprobs` (the prompt's tokens come back first in
// choices[0].logprobs, the first one's logprob null because nothing predicts it). One model is scored as it is
// decoded — one lane, the single-model strategy — with mixing/score.ts's teacher forcing, so a prompt token's
// logprob is exactly what that token would have been reported with had the model written it. Scoring always reads
// the whole vocabulary (exact); decoding may read only the top K of a large one (see `scoringReport`).

import type { TokenId } from "../mixing/distribution";
import { startLane } from "../mixing/lockstep";
import type { Alternative } from "../mixing/sampling";
import { scoreTokens } from "../mixing/score";
import { singleModelStrategy } from "../mixing/strategies/single";
import type { LoadedModel } from "../registry/loaded-model";
import { checkPromptFits, type AnyLogprobEntry, type GeneratedPiece } from "./generate";
import type { TokenLabeler } from "./token-labels";

/** Each listed token's log-probability given the tokens before it (null: nothing before it), and its alternatives. */
export interface PromptScores {
  tokens: readonly TokenId[];
  logprobs: (number | null)[];
  top: Alternative[][];
}

/** Score every prompt token after the first under one model (the caller holds the model exclusively). */
export async function scoreModelPrompt(loaded: LoadedModel, tokens: readonly TokenId[], topN: number): Promise<PromptScores> {
  checkPromptFits(loaded, tokens, "prompt");
  const target = tokens.slice(1);
  if (target.length === 0) return { tokens, logprobs: [null], top: [[]] };
  // The lane restarts from the first token: every later position's distribution must be read, so none is reused.
  await startLane(loaded.lane, tokens.slice(0, 1), true);
  const r = await scoreTokens(singleModelStrategy(loaded.id, { logprobs: true }), [loaded.lane], "all", target, topN);
  return { tokens, logprobs: [null, ...r.logprobs], top: [[], ...r.top] };
}

/** The echoed prompt as the HTTP layer sends it: its text and, when scored, one entry per prompt token. */
export function echoedPrompt(text: string, scores: PromptScores | undefined, label: TokenLabeler): GeneratedPiece {
  if (!scores) return { text, logprobs: [] };
  const logprobs: AnyLogprobEntry[] = scores.tokens.map((t, i) => ({
    ...label(t),
    logprob: scores.logprobs[i] ?? null,
    top: (scores.top[i] ?? []).map((a) => ({ ...label(a.token), logprob: a.logprob })),
  }));
  return { text, logprobs };
}

/**
 * What the logprobs in a reply are (the response's `chorus.scoring`). The prompt's are exact. The reply's are exact
 * when decoding read the whole vocabulary, or read it normalised (one model: its own log-probabilities); a mix
 * that read only each lane's top K renormalises over those candidates.
 */
export function scoringReport(completionReadout: number | "all"): Record<string, unknown> {
  const exact = "exact: the whole vocabulary, temperature 1";
  return {
    prompt_logprobs: exact,
    completion_logprobs: completionReadout === "all" ? exact : `approximate: renormalised over the top ${completionReadout} tokens each lane reads per step, temperature 1`,
  };
}
