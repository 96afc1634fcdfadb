// A TokenSource over one loaded model: llama.cpp evaluates, our code reads the next-token logits (the top entries
// plus the full normaliser, or every entry for a small vocabulary) and chooses the token. Choosing in JavaScript
// is what lets a single model and a mix share the same sampler, logprobs and stop handling.

import type { ControlledEvaluateInputItem, LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import { distFromReadout, type NextTokenDist, type TokenId } from "../mixing/distribution";
import type { LoadedModel } from "../registry/loaded-model";
import type { TokenSource } from "./token-source";

/** Below this vocabulary size the whole distribution is read out: exact, and still cheap (~0.3 µs per entry). */
const FULL_READOUT_MAX_VOCAB = 4096;

export function readoutOptions(vocabSize: number, topK: number) {
  const logits = vocabSize <= FULL_READOUT_MAX_VOCAB ? true : { filter: { tokens: [] as Token[], includeTop: topK } };
  return { generateNext: { logits, totalLogitWeight: true } };
}

/** Evaluate `tokens` (continuing the sequence) and return the next-token distribution after the last one. */
export async function evaluateForNext(sequence: LlamaContextSequence, tokens: readonly TokenId[], vocabSize: number, topK: number): Promise<NextTokenDist> {
  const items: ControlledEvaluateInputItem[] = tokens.map((t) => t as Token);
  const last = tokens[tokens.length - 1];
  if (last === undefined) throw new Error("nothing to evaluate");
  items[items.length - 1] = [last as Token, readoutOptions(vocabSize, topK)];
  const out = await sequence.controlledEvaluate(items);
  const next = out[out.length - 1]?.next;
  if (!next?.logits || next.totalLogitWeight === undefined) throw new Error("llama.cpp returned no logits for the next token");
  return distFromReadout(next.logits as Map<TokenId, number>, next.totalLogitWeight, vocabSize);
}

/**
 * Bring the sequence to `prompt` minus its last token, keeping the KV cache of the longest shared prefix, then
 * evaluate the rest. At least one token is always evaluated so that fresh logits come back.
 */
export async function primeSequence(sequence: LlamaContextSequence, prompt: readonly TokenId[], vocabSize: number, topK: number): Promise<NextTokenDist> {
  const cached = sequence.contextTokens;
  let common = 0;
  const limit = Math.min(cached.length, prompt.length - 1);
  while (common < limit && cached[common] === prompt[common]) common++;
  if (common < sequence.nextTokenIndex) await sequence.eraseContextTokenRanges([{ start: common, end: sequence.nextTokenIndex }]);
  return evaluateForNext(sequence, prompt.slice(common), vocabSize, topK);
}

export function endTokens(model: LlamaModel): (t: TokenId) => boolean {
  return (t) => model.isEogToken(t as Token);
}

export class ModelTokenSource implements TokenSource {
  readonly contextSize: number;
  readonly id: string;
  private readonly isEnd: (t: TokenId) => boolean;

  constructor(
    private readonly loaded: LoadedModel,
    private readonly topK: number,
  ) {
    this.id = loaded.id;
    this.contextSize = loaded.context.contextSize;
    this.isEnd = endTokens(loaded.model);
  }

  start(prompt: readonly TokenId[]): Promise<NextTokenDist> {
    return primeSequence(this.loaded.sequence, prompt, this.loaded.vocabSize, this.topK);
  }

  accept(token: TokenId): Promise<NextTokenDist> {
    return evaluateForNext(this.loaded.sequence, [token], this.loaded.vocabSize, this.topK);
  }

  isEndToken(token: TokenId): boolean {
    return this.isEnd(token);
  }

  detokenize(tokens: readonly TokenId[], before?: readonly TokenId[]): string {
    return this.loaded.model.detokenize(tokens as Token[], false, before as Token[] | undefined);
  }
}
