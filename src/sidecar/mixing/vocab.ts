// Logit mixing only makes sense where token id t means the same string in every model. Models of one family often
// differ in length only: GGUF converters pad tokenizer.ggml.tokens to the checkpoint's embedding rows (Qwen2.5-Coder
// 0.5b/1.5b/3b have 151,936 entries, 7b/14b/32b 152,064, all with the same 151,665 real tokens). So the rule is
// llama.cpp's for pairing a draft model with a target in speculative decoding (common/speculative.cpp,
// common_speculative_are_compatible): the same tokenizer model, the same BOS/EOS ids and add-BOS/add-EOS flags,
// sizes at most SPEC_VOCAB_MAX_SIZE_DIFFERENCE = 128 apart, and the same text on every id both have from
// SPEC_VOCAB_CHECK_START_TOKEN_ID = 5 on. Beyond llama.cpp, padding ids are ignored in that comparison (converters
// name them differently) and, with every id one model lacks, are excluded from mixing: no lane may score them,
// so no subtracted term can make an id that a model does not have infinitely likely, and none is ever sampled.

import type { LlamaModel } from "node-llama-cpp";

export class VocabularyMismatchError extends Error {
  override readonly name = "VocabularyMismatchError";
}

/** llama.cpp common/speculative.cpp: SPEC_VOCAB_MAX_SIZE_DIFFERENCE. */
export const MAX_SIZE_DIFFERENCE = 128;
/** llama.cpp common/speculative.cpp: SPEC_VOCAB_CHECK_START_TOKEN_ID (the first ids may differ, e.g. <unk>). */
export const CHECK_START_ID = 5;
/** gguf-py TokenType.UNUSED: what convert_hf_to_gguf.py gives the ids it pads with. */
const TOKEN_TYPE_UNUSED = 5;
/**
 * Padding names: "[PAD<id>]" (llama.cpp's convert_hf_to_gguf.py, type UNUSED), "[PAD<n>]" counting from 0 (Ollama's
 * convert/convert.go, type USER_DEFINED), and "<|PAD_TOKEN|>" (the pad token fine-tuning tools such as Unsloth add).
 */
const PADDING_NAME = /^(\[PAD\d+\]|<\|PAD_TOKEN\|>)$/;

/** What the compatibility rule reads from one model's GGUF tokenizer metadata. */
export interface VocabularyInfo {
  name: string;
  tokens: readonly string[];
  /** tokenizer.ggml.token_type, when the file has it. */
  types?: readonly number[];
  /** tokenizer.ggml.model ("gpt2", "llama", …). */
  model?: string;
  bos?: number;
  eos?: number;
  addBos?: boolean;
  addEos?: boolean;
}

/** The ids mixing may use: every model has them, with the same text, and none pads with them. */
export interface SharedVocabulary {
  /** The largest vocabulary's size: ids below it may appear in some model's read-out. */
  size: number;
  /** How many ids are usable (size minus the excluded ones). */
  usable: number;
  /** Ids below `size` that no lane may score or choose, ascending (padding, ids some model lacks). */
  excluded: Int32Array;
}

export function isPaddingToken(text: string, type: number | undefined): boolean {
  return type === TOKEN_TYPE_UNUSED || PADDING_NAME.test(text);
}

/** The vocabulary as the GGUF declares it (tokenizer.ggml.*). */
export function vocabularyOf(model: LlamaModel, name: string): VocabularyInfo {
  const ggml = model.fileInfo.metadata.tokenizer?.ggml;
  const tokens = ggml?.tokens;
  if (!Array.isArray(tokens) || tokens.length === 0)
    throw new VocabularyMismatchError(`model "${name}" declares no vocabulary (tokenizer.ggml.tokens); logit mixing needs one`);
  return {
    name,
    tokens,
    types: Array.isArray(ggml?.token_type) ? (ggml.token_type as readonly number[]) : undefined,
    model: ggml?.model,
    bos: ggml?.bos_token_id,
    eos: ggml?.eos_token_id,
    addBos: ggml?.add_bos_token,
    addEos: ggml?.add_eos_token,
  };
}

/** Throws VocabularyMismatchError unless every vocabulary can be mixed with the first; else the usable ids. */
export function sharedVocabulary(vocabs: readonly VocabularyInfo[]): SharedVocabulary {
  const first = vocabs[0];
  if (!first) return { size: 0, usable: 0, excluded: new Int32Array(0) };
  for (const other of vocabs.slice(1)) checkCompatible(first, other);
  const size = Math.max(...vocabs.map((v) => v.tokens.length));
  const shortest = Math.min(...vocabs.map((v) => v.tokens.length));
  const kept = new Set([first.bos, first.eos].filter((t): t is number => t !== undefined));
  const excluded: number[] = [];
  for (let t = 0; t < size; t++) {
    if (t >= shortest || vocabs.some((v) => isPaddingToken(v.tokens[t]!, v.types?.[t]))) excluded.push(t);
    // Below CHECK_START_ID the text may differ (llama.cpp does not compare it); such an id is not used, unless it is
    // the BOS or EOS every model agrees on by id.
    else if (t < CHECK_START_ID && !kept.has(t) && vocabs.some((v) => v.tokens[t] !== first.tokens[t])) excluded.push(t);
  }
  return { size, usable: size - excluded.length, excluded: Int32Array.from(excluded) };
}

function checkCompatible(a: VocabularyInfo, b: VocabularyInfo): void {
  const pair = `models "${a.name}" and "${b.name}"`;
  const refuse = (why: string) => {
    throw new VocabularyMismatchError(`${pair} have different vocabularies: ${why}; logit mixing needs models with the same tokenizer (e.g. one model family)`);
  };
  if ((a.model ?? "") !== (b.model ?? "")) refuse(`the tokenizer is "${a.model ?? "none"}" in one and "${b.model ?? "none"}" in the other`);
  for (const [what, x, y] of [
    ["BOS token", a.bos, b.bos],
    ["EOS token", a.eos, b.eos],
    ["add-BOS flag", a.addBos, b.addBos],
    ["add-EOS flag", a.addEos, b.addEos],
  ] as const)
    if (x !== y) refuse(`the ${what} is ${String(x ?? "unset")} in one and ${String(y ?? "unset")} in the other`);
  const gap = Math.abs(a.tokens.length - b.tokens.length);
  if (gap > MAX_SIZE_DIFFERENCE)
    refuse(`${a.tokens.length} vs ${b.tokens.length} tokens, more apart than the ${MAX_SIZE_DIFFERENCE} padding ids llama.cpp allows within one tokenizer`);
  if (a.tokens === b.tokens) return;
  const shortest = Math.min(a.tokens.length, b.tokens.length);
  for (let t = CHECK_START_ID; t < shortest; t++) {
    const x = a.tokens[t]!;
    const y = b.tokens[t]!;
    if (x === y || isPaddingToken(x, a.types?.[t]) || isPaddingToken(y, b.types?.[t])) continue;
    refuse(`token ${t} is ${JSON.stringify(x)} in one and ${JSON.stringify(y)} in the other`);
  }
}
