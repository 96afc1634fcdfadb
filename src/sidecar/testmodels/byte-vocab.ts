// The byte-level vocabulary every Chorus test model shares: token b (0–255) is byte b, written as GPT-2's
// byte-to-unicode string (so llama.cpp's "gpt2" tokenizer with no merges maps each byte to exactly that token),
// then <|bos|> and <|endoftext|>, then optional padding tokens that no text ever tokenizes to.
import { meta } from "../gguf/metadata";
import type { GgufMetadata } from "../gguf/types";

export const BYTE_TOKENS = 256;
export const BOS_ID = 256;
export const EOS_ID = 257;
export const BASE_VOCAB = 258;

const TOKEN_NORMAL = 1;
const TOKEN_CONTROL = 3;

/** GPT-2's reversible byte → printable character map: printable Latin-1 bytes map to themselves, the rest to 256+n. */
export function byteToUnicode(): string[] {
  const printable = (b: number): boolean => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const out: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) out.push(String.fromCodePoint(printable(b) ? b : 256 + extra++));
  return out;
}

export function padTokenText(id: number): string {
  return `<|pad_${id}|>`;
}

/** Token strings and types for a vocabulary of `vocabSize` (≥ 258) tokens. */
export function byteVocab(vocabSize = BASE_VOCAB): { tokens: string[]; types: number[] } {
  if (!Number.isInteger(vocabSize) || vocabSize < BASE_VOCAB) throw new Error(`vocabSize must be an integer ≥ ${BASE_VOCAB}, got ${vocabSize}`);
  const tokens = [...byteToUnicode(), "<|bos|>", "<|endoftext|>"];
  const types: number[] = tokens.map((_, i) => (i < BYTE_TOKENS ? TOKEN_NORMAL : TOKEN_CONTROL));
  for (let id = BASE_VOCAB; id < vocabSize; id++) {
    tokens.push(padTokenText(id));
    types.push(TOKEN_NORMAL); // normal, and unreachable: with no merges only single bytes are ever produced
  }
  return { tokens, types };
}

/** The tokenizer.* metadata llama.cpp needs for this vocabulary. */
export function byteTokenizerMetadata(vocabSize = BASE_VOCAB): GgufMetadata {
  const { tokens, types } = byteVocab(vocabSize);
  return new Map([
    ["tokenizer.ggml.model", meta.str("gpt2")],
    ["tokenizer.ggml.pre", meta.str("gpt-2")],
    ["tokenizer.ggml.tokens", meta.strings(tokens)],
    ["tokenizer.ggml.token_type", meta.i32s(types)],
    ["tokenizer.ggml.merges", meta.strings([])],
    ["tokenizer.ggml.bos_token_id", meta.u32(BOS_ID)],
    ["tokenizer.ggml.eos_token_id", meta.u32(EOS_ID)],
    ["tokenizer.ggml.add_bos_token", meta.bool(true)],
    ["tokenizer.ggml.add_eos_token", meta.bool(false)],
  ]);
}

/** Token ids of a text as the byte tokenizer sees it (no BOS). */
export function byteTokens(text: string | Uint8Array): number[] {
  return [...(typeof text === "string" ? Buffer.from(text, "utf8") : text)];
}
