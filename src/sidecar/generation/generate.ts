// The decode loop shared by every model and virtual model: ask the source for the next-token distribution,
// sample, feed the token back, and release text through the stop-sequence filter. Cancellation is checked on
// every token, so a client that goes away stops the work within one step.

import { logprobOf, type TokenId } from "../mixing/distribution";
import { badRequest } from "../server/errors";
import { createRng, sampleToken, topAlternatives } from "./sampler";
import { StopSequenceFilter, type LogprobEntry } from "./stop-text";
import type { TokenSource } from "./token-source";

/** Tokens of context the detokenizer sees before a piece. */
const LOOKBEHIND = 8;
/** The longest UTF-8 character, in byte tokens. */
const MAX_CHAR_TOKENS = 4;

export interface GenerateOptions {
  maxTokens: number;
  temperature: number;
  topP: number;
  seed?: number;
  stop: string[];
  /** undefined: no log-probabilities; n ≥ 0: the chosen token's plus n alternatives. */
  topLogprobs?: number;
}

export interface GeneratedPiece {
  text: string;
  logprobs: LogprobEntry[];
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

export async function generate(
  source: TokenSource,
  prompt: readonly TokenId[],
  opts: GenerateOptions,
  signal: AbortSignal,
  onPiece?: (p: GeneratedPiece) => void,
): Promise<GenerateResult> {
  if (prompt.length === 0) throw badRequest("The prompt is empty.", "prompt");
  if (prompt.length >= source.contextSize) {
    throw badRequest(
      `The prompt has ${prompt.length} tokens but ${source.id} holds ${source.contextSize} in all; shorten the prompt.`,
      "messages",
      "context_length_exceeded",
    );
  }
  // The reply may not outgrow the context: stop early with finish_reason "length", as OpenAI does at its limit.
  const budget = Math.min(opts.maxTokens, source.contextSize - prompt.length);
  const rng = createRng(opts.seed);
  const filter = new StopSequenceFilter(opts.stop);
  const generated: TokenId[] = [];
  const tail = prompt.slice(-LOOKBEHIND);
  /** Tokens whose text is not out yet: the bytes of a character that is still incomplete. */
  let pending: TokenId[] = [];
  let text = "";
  const logprobs: LogprobEntry[] = [];
  const emit = (p: { text: string; logprobs: LogprobEntry[] }) => {
    if (p.text === "" && p.logprobs.length === 0) return;
    text += p.text;
    logprobs.push(...p.logprobs);
    onPiece?.({ text: p.text, logprobs: p.logprobs });
  };

  const check = () => {
    if (signal.aborted) throw new GenerationCancelled();
  };
  check();
  let dist = await source.start(prompt, signal);
  let finishReason: "stop" | "length" = "length";
  while (generated.length < budget) {
    check();
    const token = sampleToken(dist, opts, rng);
    if (source.isEndToken(token)) {
      finishReason = "stop";
      break;
    }
    generated.push(token);
    pending.push(token);
    // A multi-byte character split over tokens detokenizes to U+FFFD until its last byte arrives: hold those
    // tokens back (a character has at most 4 bytes) and detokenize them together, with the tokens before them
    // as context for the detokenizer's spacing rules. Linear in the reply, unlike re-detokenizing it whole.
    const before = [...tail, ...generated.slice(0, -pending.length)].slice(-LOOKBEHIND);
    const pieceText = source.detokenize(pending, before);
    const incomplete = pieceText.endsWith("\uFFFD") && pending.length < MAX_CHAR_TOKENS && generated.length < budget;
    const piece = incomplete ? "" : pieceText;
    if (!incomplete) pending = [];
    const entry =
      opts.topLogprobs === undefined
        ? undefined
        : {
            token: source.detokenize([token]),
            logprob: logprobOf(dist, token),
            top: topAlternatives(dist, opts.topLogprobs).map((a) => ({ token: source.detokenize([a.token]), logprob: a.logprob })),
          };
    const released = filter.push(piece, entry);
    emit(released);
    if (released.stopped) {
      finishReason = "stop";
      return result();
    }
    if (generated.length >= budget) break;
    dist = await source.accept(token, signal);
  }
  emit(filter.flush());
  return result();

  function result(): GenerateResult {
    return { text, logprobs, finishReason, promptTokens: prompt.length, completionTokens: generated.length, report: source.report?.() };
  }
}
