// The lockstep decoding loop: read the lanes, mix, sample, feed the chosen token to every lane, stream text. It is
// the sidecar's only decode loop: a real model is decoded here too, as one lane (strategies/single.ts).
// Times the native evaluations and the JavaScript mixing separately, so the cost of mixing is measured, not guessed.
//
// Lookahead: a step may also check a few draft tokens guessed from the text (lookahead.ts). The lanes evaluate
// the chosen token and the drafts in one batch, reading a distribution after each (deferral: the writing lane
// alone); the mix or deferral then chooses position by position as it would have anyway, and a draft counts
// only while it equals that choice. The sampler
// draws once per written token either way, so the reply is the one a token a step writes (up to llama.cpp's float
// rounding, which differs slightly between a batch of positions and one position, as with KV prefix reuse).

import type { NextTokenDist, TokenId } from "./distribution";
import { Lookahead } from "./lookahead";
import { feedAll, readLane, readLaneAhead, readLanesAhead, truncateLane, type Lane } from "./lockstep";
import { MixSampler, type SamplingOptions } from "./sampling";
import type { Mixed, Strategy } from "./strategies/types";
import { TextAssembler, type Detokenize, type Released, type TokenPiece } from "./text";

export interface MixedToken {
  token: TokenId;
  /** This token's own text (what OpenAI's logprobs call `token`). */
  text: string;
  /**
   * log-probability of the token under the mixed distribution (temperature 1, renormalised over the candidates);
   * for one model alone, the model's own log-probability.
   */
  logprob: number;
  /** Best alternatives under the mixed distribution, best first (empty unless topLogprobs > 0). */
  top: { token: TokenId; text: string; logprob: number }[];
  /** Which lane wrote the token: "mix" when all lanes voted, else the role ("small", "large"). */
  writer: string;
}

export type FinishReason = "stop" | "length" | "cancelled";

/** Text released to the stream (whole characters, never part of a stop string) and the tokens whose text starts in it. */
export interface ReplyPiece {
  text: string;
  tokens: MixedToken[];
}

export interface MixGenerateResult {
  text: string;
  /** The reply's tokens, each with its logprobs; a token wholly inside a cut stop string is not among them. */
  tokens: MixedToken[];
  finishReason: FinishReason;
  /** completionTokens counts every token generated, those a stop string cut included. */
  usage: { promptTokens: number; completionTokens: number };
  /** Tokens written per writer ("mix", or the deferral roles). */
  writers: Record<string, number>;
  /**
   * Wall ms waiting for native evaluations / in JavaScript mixing, sampling and text, the tokens chosen (steps), each
   * lane's own evaluation wall ms (their sum above evalMs shows the lanes ran concurrently), and the prompt tokens
   * the lanes evaluated together (fewer than lanes × prompt tokens when a prefix was still in their KV caches).
   */
  timing: {
    evalMs: number;
    mixMs: number;
    steps: number;
    laneEvalMs: Record<string, number>;
    promptTokensEvaluated: number;
    /** Lookahead decoding: tokens guessed from the text and checked in the lanes' batches, and how many held. */
    draftTokens: number;
    draftTokensAccepted: number;
  };
}

export interface DecodeSetup {
  strategy: Strategy;
  lanes: Lane[];
  topK: number | "all";
  detokenize: Detokenize;
  /** A token's text after other text (cached). */
  piece: TokenPiece;
  /** The prompt's last tokens (detokenizer context for the first generated token). */
  promptTail: TokenId[];
  isEndOfGeneration: (t: TokenId) => boolean;
  /** Tokens a lane may hold in total (its context size). */
  contextSize: number;
  promptTokens: number;
  /** Prompt tokens the lanes have left to evaluate, all lanes together (the rest is reused from their caches). */
  promptTokensEvaluated: number;
  /** Most draft tokens a step checks (lookahead decoding; 0 = one token a step). */
  lookahead: number;
  vocabSize: number;
  /** The text drafts are looked up in: the writing lane's prompt tokens (with the request's context). */
  history: readonly TokenId[];
}

export interface DecodeRequest {
  maxTokens: number;
  stop: string[];
  sampling?: SamplingOptions;
  topLogprobs: number;
  signal?: AbortSignal;
  /** Each piece of the reply as it becomes safe to stream; the pieces' text adds up to the reply's. */
  onPiece?: (piece: ReplyPiece) => void;
}

export async function decode(setup: DecodeSetup, req: DecodeRequest): Promise<MixGenerateResult> {
  const { strategy, lanes, topK } = setup;
  const sampler = new MixSampler(req.sampling);
  const text = new TextAssembler<MixedToken>(setup.detokenize, req.stop, setup.promptTail, setup.piece);
  const tokens: MixedToken[] = [];
  let generated = 0;
  const release = ({ delta, entries }: Released<MixedToken>) => {
    tokens.push(...entries);
    if (delta !== "" || entries.length > 0) req.onPiece?.({ text: delta, tokens: entries });
  };
  const writers: Record<string, number> = {};
  const lookahead = new Lookahead(setup.lookahead, setup.vocabSize, setup.history);
  let finishReason: FinishReason | undefined;
  let evalMs = 0;
  let mixMs = 0;
  let steps = 0;

  /** Sample from `mixed` and write the token; the finish reason when it ends the reply. */
  const write = (mixed: Mixed, writer: string): { token: TokenId; finish?: FinishReason } => {
    const mixStart = performance.now();
    steps++;
    const choice = sampler.choose(mixed, req.topLogprobs);
    if (setup.isEndOfGeneration(choice.token)) {
      mixMs += performance.now() - mixStart;
      return { token: choice.token, finish: "stop" };
    }
    const token: MixedToken = {
      token: choice.token,
      text: setup.piece(choice.token),
      logprob: choice.logprob,
      top: choice.top.map((a) => ({ ...a, text: setup.piece(a.token) })),
      writer,
    };
    const { delta, entries, stopped } = text.push(choice.token, token);
    generated++;
    writers[writer] = (writers[writer] ?? 0) + 1;
    lookahead.written(choice.token);
    mixMs += performance.now() - mixStart;
    release({ delta, entries });
    return { token: choice.token, finish: stopped ? "stop" : generated >= req.maxTokens ? "length" : undefined };
  };

  /** The scores to choose from at read position j: the mix of every lane, or deferral's pick. */
  const scoresAt = async (rows: NextTokenDist[][], j: number): Promise<{ mixed: Mixed; writer: string }> => {
    if (strategy.kind === "mix") {
      const mixStart = performance.now();
      const mixed = strategy.mix(rows.map((r) => r[j]!));
      mixMs += performance.now() - mixStart;
      return { mixed, writer: "mix" };
    }
    let dist = rows[0]![j]!;
    let writer = lanes[0]!.role.role;
    if (strategy.defer(dist)) {
      const evalStart = performance.now();
      dist = await readLane(lanes[1]!, topK);
      evalMs += performance.now() - evalStart;
      writer = lanes[1]!.role.role;
    }
    return { mixed: strategy.pick(dist), writer };
  };

  while (finishReason === undefined && generated < req.maxTokens) {
    if (req.signal?.aborted) {
      finishReason = "cancelled";
      break;
    }
    const used = Math.max(...lanes.map((l) => l.evaluated.length + l.pending.length));
    if (used >= setup.contextSize) break;
    const evalStart = performance.now();
    // Drafts never run past the reply's length or the context. A mix checks them on every lane; deferral on the
    // writing lane alone (the lane it defers to is only ever given confirmed tokens, evaluated when it is read).
    const drafts = lookahead.propose(Math.min(req.maxTokens - generated, setup.contextSize - used) - 1);
    const ahead = strategy.kind === "mix" ? lanes : [lanes[0]!];
    const rows =
      strategy.kind === "mix" ? await readLanesAhead(lanes, topK, drafts) : [await readLaneAhead(lanes[0]!, topK, strategy.normalisedWriter ?? true, drafts)];
    evalMs += performance.now() - evalStart;
    if (req.signal?.aborted) {
      finishReason = "cancelled";
      break;
    }
    // Position j's distributions hold while every draft before j was what was chosen.
    let j = 0;
    for (; ; j++) {
      const { mixed, writer } = await scoresAt(rows, j);
      const { token, finish } = write(mixed, writer);
      // A cancel during onPiece stops at this token, as it does between steps.
      finishReason = finish ?? (req.signal?.aborted ? "cancelled" : undefined);
      if (finishReason !== undefined || j >= drafts.length || token !== drafts[j]) {
        // The lanes with drafts hold the pending tokens and drafts 0…j−1 that were confirmed; draft j on is dropped.
        await Promise.all(ahead.map((l) => truncateLane(l, l.evaluated.length - (drafts.length - j))));
        if (finishReason === undefined) feedAll(lanes, token);
        break;
      }
      for (const l of lanes) if (!ahead.includes(l)) l.pending.push(token);
    }
    lookahead.confirmed(drafts.length, j);
  }
  release(text.finish());
  return {
    text: text.fullText,
    tokens,
    finishReason: finishReason ?? "length",
    usage: { promptTokens: setup.promptTokens, completionTokens: generated },
    writers,
    timing: {
      evalMs,
      mixMs,
      steps,
      laneEvalMs: Object.fromEntries(lanes.map((l) => [l.role.role, l.evalMs])),
      promptTokensEvaluated: setup.promptTokensEvaluated,
      draftTokens: lookahead.proposedTotal,
      draftTokensAccepted: lookahead.acceptedTotal,
    },
  };
}
