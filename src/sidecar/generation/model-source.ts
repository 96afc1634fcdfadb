// A TokenSource over one loaded model: llama.cpp evaluates, our code reads the next-token logits (the top entries
// plus the full normaliser, or every entry for a small vocabulary) and chooses the token. Choosing in JavaScript
// is what lets a single model and a mix share the same sampler, logprobs and stop handling; reading through the
// model's lockstep lane lets them share the fast read-out too (at vocabulary 32k the library's public top-K
// read-out sorts the whole vocabulary every step, a third of a tiny model's time per token). It also decodes with
// lookahead as a mix does (decode.ts): each evaluation checks a few tokens guessed from the text, and accept()
// answers a guessed token from that same batch without evaluating again.

import type { LlamaModel, Token } from "node-llama-cpp";
import type { NextTokenDist, TokenId } from "../mixing/distribution";
import { readLaneAhead, startLane, truncateLane } from "../mixing/lockstep";
import { DEFAULT_LOOKAHEAD, Lookahead } from "../mixing/lookahead";
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
  private lookahead: Lookahead;
  /** The drafts of the last read, their distributions (dists[j + 1] follows drafts[j]) and how many were taken. */
  private ahead: { drafts: TokenId[]; dists: NextTokenDist[]; taken: number } | undefined;

  /** `lookahead`: drafts checked with each evaluation (0 = none); the tokens generated are the same either way. */
  constructor(
    private readonly loaded: LoadedModel,
    topK: number,
    private readonly maxLookahead = DEFAULT_LOOKAHEAD,
  ) {
    this.id = loaded.id;
    this.contextSize = loaded.context.contextSize;
    this.isEnd = endTokens(loaded.model);
    this.readK = loaded.vocabSize <= FULL_READOUT_MAX_VOCAB ? "all" : topK;
    this.lookahead = new Lookahead(0, loaded.vocabSize, []);
  }

  /** Keeps the KV cache of the longest prefix shared with the previous request and evaluates the rest. */
  async start(prompt: readonly TokenId[]): Promise<NextTokenDist> {
    this.lookahead = new Lookahead(this.maxLookahead, this.loaded.vocabSize, prompt);
    this.ahead = undefined;
    this.loaded.tokensEvaluated += await startLane(this.loaded.lane, prompt, true);
    return this.read();
  }

  /** A token the last read guessed is answered from that read; any other is evaluated (its guesses dropped). */
  async accept(token: TokenId): Promise<NextTokenDist> {
    this.lookahead.written(token);
    const a = this.ahead;
    if (a && a.taken < a.drafts.length && a.drafts[a.taken] === token) return a.dists[++a.taken]!;
    if (a) {
      this.lookahead.confirmed(a.drafts.length, a.taken);
      await truncateLane(this.loaded.lane, this.loaded.lane.evaluated.length - (a.drafts.length - a.taken));
    }
    this.loaded.lane.pending.push(token);
    this.loaded.tokensEvaluated++;
    return this.read();
  }

  /** Logprobs and sampling need true probabilities: every read-out carries the full-vocabulary normaliser. */
  private async read(): Promise<NextTokenDist> {
    const lane = this.loaded.lane;
    const drafts = this.lookahead.propose(this.contextSize - lane.evaluated.length - lane.pending.length - 1);
    const dists = await readLaneAhead(lane, this.readK, true, drafts);
    this.loaded.tokensEvaluated += drafts.length;
    this.ahead = drafts.length ? { drafts, dists, taken: 0 } : undefined;
    return dists[0]!;
  }

  isEndToken(token: TokenId): boolean {
    return this.isEnd(token);
  }

  detokenize(tokens: readonly TokenId[], before?: readonly TokenId[]): string {
    return this.loaded.model.detokenize(tokens as Token[], false, before as Token[] | undefined);
  }
}
