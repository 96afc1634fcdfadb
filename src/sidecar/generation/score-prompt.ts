// Scoring a completion's prompt: OpenAI's legacy `echo` with `logprobs` (the prompt's tokens come back first in
// choices[0].logprobs, the first one's logprob null because nothing predicts it), and vLLM's `prompt_logprobs`
// (choices[0].prompt_logprobs: null, then per token {id: {logprob, rank, decoded_token}} — vllm/logprobs.py's
// PromptLogprobs, whose first entry is None). One model is scored as it is
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
  ranks: (number | null)[];
  top: Alternative[][];
}

/** What a request asks of its prompt: echoed (scored with `echoTop` alternatives when given), vLLM's prompt_logprobs. */
export interface PromptWants {
  echo: boolean;
  echoTop?: number;
  promptLogprobs?: number;
}

/** vLLM's prompt_logprobs: null for the first token, then the token and the best alternatives by id. */
export type VllmPromptLogprobs = (Record<string, { logprob: number; rank: number; decoded_token: string }> | null)[];

/** How many alternatives scoring must read, or undefined when the prompt need not be scored at all. */
export function alternativesToScore(w: PromptWants): number | undefined {
  const echoTop = w.echo ? w.echoTop : undefined;
  if (echoTop === undefined && w.promptLogprobs === undefined) return undefined;
  return Math.max(echoTop ?? 0, w.promptLogprobs ?? 0);
}

/** The prompt's part of the answer: the echoed piece and vLLM's prompt_logprobs, each when asked for. */
export function promptAnswer(
  text: string,
  scores: PromptScores | undefined,
  label: TokenLabeler,
  w: PromptWants,
): { echoed?: GeneratedPiece; promptLogprobs?: VllmPromptLogprobs } {
  const echoScores = scores && w.echoTop !== undefined ? { ...scores, top: scores.top.map((a) => a.slice(0, w.echoTop)) } : undefined;
  return {
    echoed: w.echo ? echoedPrompt(text, echoScores, label) : undefined,
    promptLogprobs: scores && w.promptLogprobs !== undefined ? vllmPromptLogprobs(scores, w.promptLogprobs, label) : undefined,
  };
}

function vllmPromptLogprobs(scores: PromptScores, n: number, label: TokenLabeler): VllmPromptLogprobs {
  return scores.tokens.map((t, i) => {
    const logprob = scores.logprobs[i];
    if (logprob === null || logprob === undefined) return null;
    const entry = (id: TokenId, lp: number, rank: number) => [String(id), { logprob: lp, rank, decoded_token: label(id).token }] as const;
    const top = (scores.top[i] ?? []).slice(0, n).map((a, k) => entry(a.token, a.logprob, k + 1));
    return Object.fromEntries([entry(t, logprob, scores.ranks[i] ?? 1), ...top.filter(([id]) => id !== String(t))]);
  });
}

/** Score every prompt token after the first under one model (the caller holds the model exclusively). */
export async function scoreModelPrompt(loaded: LoadedModel, tokens: readonly TokenId[], topN: number): Promise<PromptScores> {
  checkPromptFits(loaded, tokens, "prompt");
  const target = tokens.slice(1);
  if (target.length === 0) return { tokens, logprobs: [null], ranks: [null], top: [[]] };
  // The lane restarts from the first token: every later position's distribution must be read, so none is reused.
  await startLane(loaded.lane, tokens.slice(0, 1), true);
  const r = await scoreTokens(singleModelStrategy(loaded.id, { logprobs: true }), [loaded.lane], "all", target, topN);
  return { tokens, logprobs: [null, ...r.logprobs], ranks: [null, ...r.ranks], top: [[], ...r.top] };
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
    completion_logprobs:
      completionReadout === "all" ? exact : `approximate: renormalised over the top ${completionReadout} tokens each lane reads per step, temperature 1`,
  };
}
