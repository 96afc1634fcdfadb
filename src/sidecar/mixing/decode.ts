// The lockstep decoding loop: read the lanes, mix, sample, feed the chosen token to every lane, stream text.
// Times the native evaluations and the JavaScript mixing separately, so the cost of mixing is measured, not guessed.

import type { NextTokenDist, TokenId } from "./distribution";
import { feedAll, readLane, readLanes, type Lane } from "./lockstep";
import { MixSampler, type SamplingOptions } from "./sampling";
import type { Mixed, Strategy } from "./strategies/types";
import { TextAssembler, type Detokenize } from "./text";

export interface MixedToken {
  token: TokenId;
  /** This token's own text (what OpenAI's logprobs call `token`). */
  text: string;
  /** Text released to the stream at this step: whole characters, never part of a stop string. May be "". */
  textDelta: string;
  /** log-probability of the token under the mixed distribution (temperature 1, renormalised over the candidates). */
  logprob: number;
  /** Best alternatives under the mixed distribution, best first (empty unless topLogprobs > 0). */
  top: { token: TokenId; text: string; logprob: number }[];
  /** Which lane wrote the token: "mix" when all lanes voted, else the role ("small", "large"). */
  writer: string;
}

export type FinishReason = "stop" | "length" | "cancelled";

export interface MixGenerateResult {
  text: string;
  tokens: MixedToken[];
  finishReason: FinishReason;
  usage: { promptTokens: number; completionTokens: number };
  /** Tokens written per writer ("mix", or the deferral roles). */
  writers: Record<string, number>;
  /**
   * Wall ms waiting for native evaluations / in JavaScript mixing, sampling and text, the step count, each
   * lane's own evaluation wall ms (their sum above evalMs shows the lanes ran concurrently), and the prompt tokens
   * the lanes evaluated together (fewer than lanes × prompt tokens when a prefix was still in their KV caches).
   */
  timing: { evalMs: number; mixMs: number; steps: number; laneEvalMs: Record<string, number>; promptTokensEvaluated: number };
}

export interface DecodeSetup {
  strategy: Strategy;
  lanes: Lane[];
  topK: number | "all";
  detokenize: Detokenize;
  /** A token's text after other text (cached). */
  piece: (t: TokenId) => string;
  /** The prompt's last tokens (detokenizer context for the first generated token). */
  promptTail: TokenId[];
  isEndOfGeneration: (t: TokenId) => boolean;
  /** Tokens a lane may hold in total (its context size). */
  contextSize: number;
  promptTokens: number;
  /** Prompt tokens the lanes have left to evaluate, all lanes together (the rest is reused from their caches). */
  promptTokensEvaluated: number;
}

export interface DecodeRequest {
  maxTokens: number;
  stop: string[];
  sampling?: SamplingOptions;
  topLogprobs: number;
  signal?: AbortSignal;
  onToken?: (token: MixedToken) => void;
  /** At the end, text that was held back (a possible stop-string start, a partial character); streams append it. */
  onFlush?: (text: string) => void;
}

export async function decode(setup: DecodeSetup, req: DecodeRequest): Promise<MixGenerateResult> {
  const { strategy, lanes, topK } = setup;
  const sampler = new MixSampler(req.sampling);
  const text = new TextAssembler(setup.detokenize, req.stop, setup.promptTail, setup.piece);
  const tokens: MixedToken[] = [];
  const writers: Record<string, number> = {};
  let finishReason: FinishReason = "length";
  let evalMs = 0;
  let mixMs = 0;
  let steps = 0;

  while (tokens.length < req.maxTokens) {
    if (req.signal?.aborted) {
      finishReason = "cancelled";
      break;
    }
    if (lanes.some((l) => l.evaluated.length + l.pending.length >= setup.contextSize)) break;
    const evalStart = performance.now();
    let mixed: Mixed;
    let writer = "mix";
    if (strategy.kind === "mix") {
      const dists = await readLanes(lanes, topK);
      evalMs += performance.now() - evalStart;
      const mixStart = performance.now();
      mixed = strategy.mix(dists);
      mixMs += performance.now() - mixStart;
    } else {
      let dist: NextTokenDist = await readLane(lanes[0]!, topK, true);
      writer = lanes[0]!.role.role;
      if (strategy.defer(dist)) {
        dist = await readLane(lanes[1]!, topK);
        writer = lanes[1]!.role.role;
      }
      evalMs += performance.now() - evalStart;
      mixed = strategy.pick(dist);
    }
    steps++;
    if (req.signal?.aborted) {
      finishReason = "cancelled";
      break;
    }
    const mixStart = performance.now();
    const choice = sampler.choose(mixed, req.topLogprobs);
    if (setup.isEndOfGeneration(choice.token)) {
      finishReason = "stop";
      mixMs += performance.now() - mixStart;
      break;
    }
    feedAll(lanes, choice.token);
    const { delta, stopped } = text.push(choice.token);
    const token: MixedToken = {
      token: choice.token,
      text: setup.piece(choice.token),
      textDelta: delta,
      logprob: choice.logprob,
      top: choice.top.map((a) => ({ ...a, text: setup.piece(a.token) })),
      writer,
    };
    tokens.push(token);
    writers[writer] = (writers[writer] ?? 0) + 1;
    mixMs += performance.now() - mixStart;
    req.onToken?.(token);
    if (stopped) {
      finishReason = "stop";
      break;
    }
  }
  const tail = text.finish();
  const lastToken = tokens[tokens.length - 1];
  if (tail && lastToken) {
    lastToken.textDelta += tail;
    req.onFlush?.(tail);
  }
  return {
    text: text.fullText,
    tokens,
    finishReason,
    usage: { promptTokens: setup.promptTokens, completionTokens: tokens.length },
    writers,
    timing: { evalMs, mixMs, steps, laneEvalMs: Object.fromEntries(lanes.map((l) => [l.role.role, l.evalMs])), promptTokensEvaluated: setup.promptTokensEvaluated },
  };
}
