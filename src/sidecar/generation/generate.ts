// A reply from one loaded model. The prompt is checked against the model's context, the model's lane keeps the KV
// cache of the prefix it shares with the previous request, and the reply is decoded by the mixer's loop
// (mixing/decode.ts) over that one lane (strategies/single.ts). So a model and a mixing preset decode the same
// way: one sampler, one stop-string and streaming filter, one lookahead, one set of read-outs.
//
// Also the shape every generation hands the HTTP layer (GenerateResult, GeneratedPiece), for models and presets.

import { decode, type MixGenerateResult, type ReplyPiece } from "../mixing/decode";
import type { TokenId } from "../mixing/distribution";
import { startLane } from "../mixing/lockstep";
import { singleModelStrategy } from "../mixing/strategies/single";
import { textOfModel } from "../mixing/text";
import type { LoadedModel } from "../registry/loaded-model";
import { badRequest } from "../server/errors";
import type { TokenLabeler } from "./token-labels";

/** Below this vocabulary size the whole distribution is read out: exact, and still cheap (~0.3 µs per entry). */
const FULL_READOUT_MAX_VOCAB = 4096;
/** Tokens of the prompt the detokenizer sees before the first generated token. */
const PROMPT_TAIL = 8;

export interface LogprobEntry {
  /** A name no other token shares (token-labels.ts), and the token's exact bytes. */
  token: string;
  bytes: number[];
  logprob: number;
  top: { token: string; bytes: number[]; logprob: number }[];
}

/** A reply's entry, or an echoed prompt token's: null for one nothing predicts (the first), as OpenAI reports it. */
export type AnyLogprobEntry = Omit<LogprobEntry, "logprob"> & { logprob: number | null };

export interface GenerateOptions {
  maxTokens: number;
  temperature: number;
  topP: number;
  seed?: number;
  stop: string[];
  /** undefined: no log-probabilities; n ≥ 0: the chosen token's plus n alternatives. */
  topLogprobs?: number;
  /** The request field that held the prompt, named by a too-long error (chat's "messages" by default). */
  promptParam?: "messages" | "prompt";
}

/** Text safe to stream and the logprob entries of the tokens whose text starts in it. */
export interface GeneratedPiece {
  text: string;
  logprobs: AnyLogprobEntry[];
}

export interface GenerateResult {
  text: string;
  logprobs: LogprobEntry[];
  finishReason: "stop" | "length";
  promptTokens: number;
  completionTokens: number;
  report?: Record<string, unknown>;
}

export class GenerationCancelled extends Error {
  override readonly name = "AbortError";
  constructor() {
    super("The client went away; generation stopped.");
  }
}

export interface ModelDecoding {
  /** Entries read out per step for a vocabulary above FULL_READOUT_MAX_VOCAB (smaller ones are read whole). */
  topK: number;
  /** Draft tokens an evaluation checks (0 = one token a step); the reply is the same either way. */
  lookahead: number;
}

export async function generate(
  loaded: LoadedModel,
  prompt: readonly TokenId[],
  opts: GenerateOptions,
  signal: AbortSignal,
  onPiece: ((p: GeneratedPiece) => void) | undefined,
  decoding: ModelDecoding,
): Promise<GenerateResult> {
  const contextSize = loaded.context.contextSize;
  checkPromptFits(loaded, prompt, opts.promptParam ?? "messages");
  if (signal.aborted) throw new GenerationCancelled();
  const toEvaluate = await startLane(loaded.lane, prompt, true);
  const withLogprobs = opts.topLogprobs !== undefined;
  const r = await decode(
    {
      strategy: singleModelStrategy(loaded.id, { logprobs: withLogprobs }),
      lanes: [loaded.lane],
      topK: decodingReadout(loaded, decoding.topK),
      ...textOfModel(loaded.model),
      promptTail: prompt.slice(-PROMPT_TAIL),
      contextSize,
      promptTokens: prompt.length,
      promptTokensEvaluated: toEvaluate,
      lookahead: decoding.lookahead,
      vocabSize: loaded.vocabSize,
      history: prompt,
    },
    {
      // The reply may not outgrow the context: it stops early with finish_reason "length", as OpenAI does.
      maxTokens: Math.min(opts.maxTokens, contextSize - prompt.length),
      stop: opts.stop,
      sampling: { temperature: opts.temperature, topP: opts.topP, seed: opts.seed },
      topLogprobs: opts.topLogprobs ?? 0,
      signal,
      onPiece: onPiece && ((p) => onPiece(generatedPiece(p, withLogprobs, loaded.label))),
    },
  );
  return generateResult(r, withLogprobs, loaded.label);
}

/** Refuses a prompt that is empty or leaves no room in the model's context. */
export function checkPromptFits(loaded: LoadedModel, prompt: readonly TokenId[], param: "messages" | "prompt"): void {
  const contextSize = loaded.context.contextSize;
  if (prompt.length === 0) throw badRequest("The prompt is empty.", "prompt");
  if (prompt.length >= contextSize)
    throw badRequest(
      `The prompt has ${prompt.length} tokens but ${loaded.id} holds ${contextSize} in all; shorten the prompt.`,
      param,
      "context_length_exceeded",
    );
}

/** The entries decoding reads out of this model per step: the whole vocabulary when small, else the top K. */
export function decodingReadout(loaded: LoadedModel, topK: number): number | "all" {
  return loaded.vocabSize <= FULL_READOUT_MAX_VOCAB ? "all" : topK;
}

/** A streamed piece of a model's or a preset's reply, as the HTTP layer sends it. */
export function generatedPiece(p: ReplyPiece, withLogprobs: boolean, label: TokenLabeler): GeneratedPiece {
  return { text: p.text, logprobs: withLogprobs ? p.tokens.map((t) => logprobEntry(t, label)) : [] };
}

/** A finished (not cancelled) reply of a model or a preset, as the HTTP layer answers it. */
export function generateResult(r: MixGenerateResult, withLogprobs: boolean, label: TokenLabeler, report?: Record<string, unknown>): GenerateResult {
  if (r.finishReason === "cancelled") throw new GenerationCancelled();
  return {
    text: r.text,
    logprobs: withLogprobs ? r.tokens.map((t) => logprobEntry(t, label)) : [],
    finishReason: r.finishReason,
    promptTokens: r.usage.promptTokens,
    completionTokens: r.usage.completionTokens,
    report,
  };
}

function logprobEntry(t: MixGenerateResult["tokens"][number], label: TokenLabeler): LogprobEntry {
  return { ...label(t.token), logprob: t.logprob, top: t.top.map((a) => ({ ...label(a.token), logprob: a.logprob })) };
}
