// Test models shaped like the real families users pair for mixing: tiny widths and layer counts, but the real
// vocabulary layout — size, special tokens and their ids, token types, padding as each converter writes it, and a
// tied or untied output — so the vocabulary rules (mixing/vocab.ts) meet what real GGUF files hold.
//
// Qwen2.5-Coder (Qwen/Qwen2.5-Coder-*/tokenizer.json and config.json): 151,643 BPE tokens, then 22 added tokens
// (<|endoftext|> = 151643 … <|file_sep|> = 151664), 151,665 in all; the embedding has 151,936 rows in 0.5b/1.5b/3b
// (tied output) and 152,064 in 7b/14b/32b (untied). Converted by llama.cpp (convert_hf_to_gguf.py,
// get_vocab_base) the missing rows become "[PAD<id>]" of type UNUSED; Ollama's convert/convert.go pads with
// "[PAD<n>]" counting from 0, of type USER_DEFINED. The base models' GGUFs say bos = eos = 151643, add_bos false.
//
// The real BPE tokens are stand-ins here: ids 0–255 are the 256 byte tokens (GPT-2's byte-to-unicode strings) and
// the rest are distinct names that no text tokenizes to (no merges), so text is tokenized byte by byte.
import { meta } from "../gguf/metadata";
import type { GgufMetadata } from "../gguf/types";
import type { DtypeName } from "./bigram";
import { byteToUnicode } from "./byte-vocab";
import { makeRandomModel, type RandomModel } from "./random";

const NORMAL = 1;
const CONTROL = 3;
const USER_DEFINED = 4;
const UNUSED = 5;

/** Qwen2.5's added tokens from id 151643, in order; the two tool-call tags are not special (USER_DEFINED). */
const QWEN_ADDED = [
  "<|endoftext|>",
  "<|im_start|>",
  "<|im_end|>",
  "<|object_ref_start|>",
  "<|object_ref_end|>",
  "<|box_start|>",
  "<|box_end|>",
  "<|quad_start|>",
  "<|quad_end|>",
  "<|vision_start|>",
  "<|vision_end|>",
  "<|vision_pad|>",
  "<|image_pad|>",
  "<|video_pad|>",
  "<tool_call>",
  "</tool_call>",
  "<|fim_prefix|>",
  "<|fim_middle|>",
  "<|fim_suffix|>",
  "<|fim_pad|>",
  "<|repo_name|>",
  "<|file_sep|>",
];
export const QWEN_BPE_TOKENS = 151_643;
export const QWEN_REAL_TOKENS = QWEN_BPE_TOKENS + QWEN_ADDED.length; // 151,665
export const QWEN_ENDOFTEXT = 151_643;

/** The embedding sizes of the Qwen2.5-Coder checkpoints, and whether their output is tied to the embedding. */
export const QWEN25_CODER = {
  "0.5b": { vocabSize: 151_936, tied: true },
  "1.5b": { vocabSize: 151_936, tied: true },
  "3b": { vocabSize: 151_936, tied: true },
  "7b": { vocabSize: 152_064, tied: false },
  "14b": { vocabSize: 152_064, tied: false },
  "32b": { vocabSize: 152_064, tied: false },
} as const;
export type QwenCoderSize = keyof typeof QWEN25_CODER;

export type Converter = "llama.cpp" | "ollama";

export interface FamilyVocab {
  tokens: string[];
  types: number[];
  /** The padding ids (real tokens end before them). */
  padding: { from: number; to: number };
  metadata: GgufMetadata;
}

/** A Qwen2.5-Coder-shaped vocabulary of `vocabSize` entries, padded as `converter` pads it. */
export function qwenVocab(vocabSize: number, converter: Converter = "llama.cpp"): FamilyVocab {
  if (vocabSize < QWEN_REAL_TOKENS) throw new Error(`a Qwen2.5 vocabulary has at least ${QWEN_REAL_TOKENS} tokens, not ${vocabSize}`);
  const tokens = byteToUnicode();
  const types = tokens.map(() => NORMAL);
  for (let id = tokens.length; id < QWEN_BPE_TOKENS; id++) {
    tokens.push(`\u0120bpe${id}`);
    types.push(NORMAL);
  }
  for (const t of QWEN_ADDED) {
    tokens.push(t);
    types.push(t.startsWith("<|") ? CONTROL : USER_DEFINED);
  }
  for (let id = QWEN_REAL_TOKENS; id < vocabSize; id++) {
    tokens.push(converter === "llama.cpp" ? `[PAD${id}]` : `[PAD${id - QWEN_REAL_TOKENS}]`);
    types.push(converter === "llama.cpp" ? UNUSED : USER_DEFINED);
  }
  const metadata: GgufMetadata = new Map([
    ["tokenizer.ggml.model", meta.str("gpt2")],
    ["tokenizer.ggml.pre", meta.str("qwen2")],
    ["tokenizer.ggml.tokens", meta.strings(tokens)],
    ["tokenizer.ggml.token_type", meta.i32s(types)],
    ["tokenizer.ggml.merges", meta.strings([])],
    ["tokenizer.ggml.bos_token_id", meta.u32(QWEN_ENDOFTEXT)],
    ["tokenizer.ggml.eos_token_id", meta.u32(QWEN_ENDOFTEXT)],
    ["tokenizer.ggml.padding_token_id", meta.u32(QWEN_ENDOFTEXT)],
    ["tokenizer.ggml.add_bos_token", meta.bool(false)],
  ]);
  return { tokens, types, padding: { from: QWEN_REAL_TOKENS, to: vocabSize }, metadata };
}

export interface QwenCoderModelOptions {
  out: string;
  size: QwenCoderSize;
  converter?: Converter;
  seed?: number;
  dim?: number;
  layers?: number;
  /**
   * Untied models only: give every padding id a logit this many times a shared component of the hidden state, so
   * the padding ids are the model's most likely next tokens — the worst case of a checkpoint whose padding rows
   * were never trained down. The mixer must still never choose one.
   */
  paddingLogit?: number;
  /** Weight type (default f16). */
  dtype?: DtypeName;
  contextLength?: number;
  signal?: AbortSignal;
}

/** A random-weight llama model with a Qwen2.5-Coder `size`-shaped vocabulary and output (tied or not). */
export async function makeQwenCoderModel(o: QwenCoderModelOptions): Promise<RandomModel & { vocab: FamilyVocab }> {
  const { vocabSize, tied } = QWEN25_CODER[o.size];
  if (o.paddingLogit !== undefined && tied) throw new Error(`paddingLogit needs an untied output; Qwen2.5-Coder ${o.size} ties it to the embedding`);
  const vocab = qwenVocab(vocabSize, o.converter);
  const dim = o.dim ?? 32;
  const model = await makeRandomModel({
    out: o.out,
    name: `chorus qwen2.5-coder-${o.size}-shaped`,
    seed: o.seed ?? 1,
    dim,
    layers: o.layers ?? 2,
    heads: 4,
    kvHeads: 2,
    ffn: dim * 2,
    vocabSize,
    contextLength: o.contextLength,
    dtype: o.dtype ?? "f16",
    tokenizer: vocab.metadata,
    tiedOutput: tied,
    paddingLogit: o.paddingLogit === undefined ? undefined : { ...vocab.padding, scale: o.paddingLogit },
    signal: o.signal,
  });
  return { ...model, vocab };
}
