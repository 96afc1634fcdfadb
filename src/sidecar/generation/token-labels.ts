// What a token is called in logprobs: its exact bytes, and a name no other token shares. A token's decoded text
// is not enough: every byte token that is half of a UTF-8 character decodes to "�", and a control token
// (end-of-text) to "", so in legacy completions' top_logprobs ({token: logprob}) they would overwrite each other.
// OpenAI's chat logprobs carry each token's `bytes`; for its `token` string a byte sequence that is not whole
// UTF-8 is named "bytes:\xNN…" (as OpenAI's API names such tokens), and a control token by its own text
// ("<|endoftext|>"), as llama.cpp's server prints it; a control token's bytes are none (it writes no text).
//
// The bytes come from the GGUF vocabulary (tokenizer.ggml.tokens): a GPT-2 style BPE vocabulary stores bytes as
// the printable characters of GPT-2's byte-to-unicode table; a SentencePiece one stores "▁" for a space and byte
// tokens as "<0xNN>" (llama.cpp's llama-vocab.cpp reads them the same way).

import type { LlamaModel, Token } from "node-llama-cpp";
import type { TokenId } from "../mixing/distribution";
import { byteToUnicode } from "../testmodels/byte-vocab";

export interface TokenLabel {
  token: string;
  bytes: number[];
}

export type TokenLabeler = (t: TokenId) => TokenLabel;

/** llama.cpp's token types (llama_token_type): 3 = control, 6 = byte. */
const CONTROL = 3;
const BYTE = 6;

export function tokenLabeler(model: LlamaModel): TokenLabeler {
  const ggml = model.fileInfo.metadata?.tokenizer?.ggml;
  const strings = Array.isArray(ggml?.tokens) ? (ggml.tokens as readonly string[]) : undefined;
  const types = Array.isArray(ggml?.token_type) ? (ggml.token_type as readonly number[]) : undefined;
  const fromVocab = ggml?.model === "gpt2" ? gpt2Bytes() : ggml?.model === "llama" ? spmBytes : undefined;
  const cache = new Map<TokenId, TokenLabel>();
  return (t) => {
    let label = cache.get(t);
    if (label) return label;
    const text = strings?.[t];
    // A control token writes no text: no bytes (so text offsets do not move), named by its own string.
    if (text !== undefined && types?.[t] === CONTROL) label = { token: text, bytes: [] };
    else {
      const bytes = (text !== undefined && fromVocab?.(text, types?.[t])) || [...Buffer.from(model.detokenize([t as Token], false), "utf8")];
      label = { token: nameOf(bytes), bytes };
    }
    cache.set(t, label);
    return label;
  };
}

/** The bytes' text when they are whole UTF-8, else "bytes:\xNN…" (lower-case hex). */
export function nameOf(bytes: readonly number[]): string {
  const buf = Buffer.from(bytes);
  const text = buf.toString("utf8");
  if (Buffer.from(text, "utf8").equals(buf)) return text;
  return "bytes:" + bytes.map((b) => `\\x${b.toString(16).padStart(2, "0")}`).join("");
}

/** GPT-2's byte-to-unicode table inverted: printable character → byte. */
function gpt2Bytes(): (text: string) => number[] | undefined {
  const byChar = new Map(byteToUnicode().map((ch, b) => [ch, b]));
  return (text) => {
    const out: number[] = [];
    for (const ch of text) {
      const b = byChar.get(ch);
      if (b === undefined) return undefined;
      out.push(b);
    }
    return out;
  };
}

/** SentencePiece: "<0xNN>" byte tokens, "▁" for a space. */
function spmBytes(text: string, type: number | undefined): number[] | undefined {
  const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(text);
  if (m && (type === undefined || type === BYTE)) return [parseInt(m[1]!, 16)];
  return [...Buffer.from(text.replace(/\u2581/g, " "), "utf8")];
}
