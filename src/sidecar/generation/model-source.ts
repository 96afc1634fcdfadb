// A TokenSource over one loaded model: llama.cpp evaluates, our code reads the next-token logits (the top entries
// plus the full normaliser, or every entry for a small vocabulary) and chooses the token. Choosing in JavaScript
// is what lets a single model and a mix share the same sampler, logprobs and stop handling; reading through the
// model's lockstep lane lets them share the fast read-out too (at vocabulary 32k the library's public top-K
// read-out sorts the whole vocabulary every step, a third of a tiny model's time per token).

import type { LlamaModel, Token } from "node-llama-cpp";
import type { NextTokenDist, TokenId } from "../mixing/distribution";
import { readLane, startLane } from "../mixing/lockstep";
import type { LoadedModel } from "../registry/loaded-model";
import type { TokenSource } from "./token-source";

/** Below this vocabulary size the whole distribution is read out: exact, and still cheap (~0.3 µs per entry). */
const FULL_READOUT_MAX_VOCAB = 4096;

export function endTokens(model: LlamaModel): (t: TokenId) => boolean {
  return (t) => model.isEogToken(t as Token);
}

export class ModelTokenSource implements TokenSource {
  readonly contextSize: number;
  readonly id: string;
  private readonly isEnd: (t: TokenId) => boolean;
  private readonly readK: number | "all";

  constructor(
    private readonly loaded: LoadedModel,
    topK: number,
  ) {
    this.id = loaded.id;
    this.contextSize = loaded.context.contextSize;
    this.isEnd = endTokens(loaded.model);
    this.readK = loaded.vocabSize <= FULL_READOUT_MAX_VOCAB ? "all" : topK;
  }

  /** Keeps the KV cache of the longest prefix shared with the previous request and evaluates the rest. */
  async start(prompt: readonly TokenId[]): Promise<NextTokenDist> {
    this.loaded.tokensEvaluated += await startLane(this.loaded.lane, prompt, true);
    return this.read();
  }

  accept(token: TokenId): Promise<NextTokenDist> {
    this.loaded.lane.pending.push(token);
    this.loaded.tokensEvaluated++;
    return this.read();
  }

  /** Logprobs and sampling need true probabilities: the read-out carries the full-vocabulary normaliser. */
  private read(): Promise<NextTokenDist> {
    return readLane(this.loaded.lane, this.readK, true);
  }

  isEndToken(token: TokenId): boolean {
    return this.isEnd(token);
  }

  detokenize(tokens: readonly TokenId[], before?: readonly TokenId[]): string {
    return this.loaded.model.detokenize(tokens as Token[], false, before as Token[] | undefined);
  }
}
