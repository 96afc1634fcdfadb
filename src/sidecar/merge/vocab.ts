// Tokenizers of the models of one merge. A base model and its instruct (or other fine-tunes) share token ids but
// not every tokenizer setting: the instruct ends a turn with another token (Qwen2.5-Coder's end-of-sequence is 151643
// in the base, 151645 in the instruct; Llama 3.1's 128001 vs 128009) and may add tokens at the end of the vocabulary.
// Those differences leave each weight's meaning alone, so the merge accepts them and the output takes the tokenizer
// source's tokenizer and metadata — mergekit's tokenizer_source, whose default is the base model. What it refuses
// is a difference that changes what a row of the embeddings means: another tokenizer type or pre-tokenizer, a token
// both have at different ids, or so many tokens missing that it is another vocabulary.
import * as path from "node:path";
import { describeValue, getArray, getString } from "../gguf/metadata";
import { GgufValueType, type GgufHeader, type GgufValue } from "../gguf/types";

/** A model's header and the file it came from, for messages. */
export interface NamedHeader {
  file: string;
  header: GgufHeader;
}

export class TokenizerMismatchError extends Error {
  override readonly name = "TokenizerMismatchError";
}

/** llama.cpp's LLAMA_TOKEN_TYPE_UNUSED: the padding that converters add up to the embedding size. */
const TOKEN_TYPE_UNUSED = 5;

/** More tokens missing than this (and than 1 % of the vocabulary) means another vocabulary. */
const MAX_ADDED_TOKENS = 256;

/** Keys that decide how text becomes token ids: models must agree on them. */
const TOKENIZER_KIND_KEYS = ["tokenizer.ggml.model", "tokenizer.ggml.pre"];

function tokensOf(h: NamedHeader): string[] {
  const a = getArray(h.header.metadata, "tokenizer.ggml.tokens");
  return a?.itemType === GgufValueType.STRING ? a.value : [];
}

function typesOf(h: NamedHeader): number[] {
  const a = getArray(h.header.metadata, "tokenizer.ggml.token_type");
  return a && a.value.every((x) => typeof x === "number") ? (a.value as number[]) : [];
}

/**
 * Padding tokens are never produced nor read, and converters name them differently (llama.cpp `[PAD123]`,
 * Ollama's converter `[PAD0]`, `[PAD1]`…), so two padding entries at one id are the same token for merging.
 */
function isPadding(text: string | undefined, type: number | undefined): boolean {
  return type === TOKEN_TYPE_UNUSED || (text !== undefined && /^\[PAD\d+\]$/.test(text));
}

function label(h: NamedHeader): string {
  return path.basename(h.file);
}

/**
 * The ids (below the other model's size) whose row the other model takes from the source: tokens the source has
 * there and the other model lacks altogether — an added token in place of padding or of an unused reserved token.
 * mergekit stands in the source's row for a token only the source has (mergekit/tokenizer/embed.py), which leaves
 * that row's task vector 0. A token both have at different ids would need the embeddings reordered: refused.
 */
function borrowedIds(source: NamedHeader, other: NamedHeader): number[] {
  const [a, b] = [tokensOf(source), tokensOf(other)];
  const [ta, tb] = [typesOf(source), typesOf(other)];
  const shared = Math.min(a.length, b.length);
  let idsInOther: Map<string, number> | undefined;
  const borrowed: number[] = [];
  for (let id = 0; id < shared; id++) {
    if (a[id] === b[id] || (isPadding(a[id], ta[id]) && isPadding(b[id], tb[id]))) continue;
    idsInOther ??= new Map(b.map((t, i) => [t, i]));
    const elsewhere = idsInOther.get(a[id]!);
    if (elsewhere !== undefined)
      throw new TokenizerMismatchError(
        `${label(source)} and ${label(other)} have different tokenizers: token ${JSON.stringify(a[id])} is id ${id} in one and ${elsewhere} in the other, ` +
          `so their embedding rows mean different things; only models that give tokens the same ids (a base and its fine-tunes) can be merged`,
      );
    borrowed.push(id);
  }
  // Fine-tunes add tens or hundreds of tokens; thousands of differences are another vocabulary, not an extension.
  if (borrowed.length > Math.max(MAX_ADDED_TOKENS, 0.01 * a.length))
    throw new TokenizerMismatchError(
      `${label(source)} and ${label(other)} have different tokenizers: ${borrowed.length} of ${a.length} tokens of ${label(source)} are not in ${label(other)}; only models that share a vocabulary (a base and its fine-tunes) can be merged`,
    );
  return borrowed;
}

function shortValue(v: GgufValue | undefined): string {
  if (v === undefined) return "missing";
  if (v.type === GgufValueType.ARRAY) return `${v.value.length} entries`;
  return describeValue(v);
}

function sameValue(a: GgufValue | undefined, b: GgufValue | undefined): boolean {
  return (
    JSON.stringify(a, (_, x: unknown) => (typeof x === "bigint" ? x.toString() : x)) ===
    JSON.stringify(b, (_, x: unknown) => (typeof x === "bigint" ? x.toString() : x))
  );
}

/** One sentence per tokenizer setting that differs from the source's, saying that the output takes the source's. */
function metadataNotes(files: NamedHeader[], source: NamedHeader): string[] {
  const keys = new Set(files.flatMap((f) => [...f.header.metadata.keys()].filter((k) => k.startsWith("tokenizer."))));
  const notes: string[] = [];
  for (const key of [...keys].sort()) {
    const own = source.header.metadata.get(key);
    const others = files.filter((f) => f !== source && !sameValue(f.header.metadata.get(key), own));
    if (others.length === 0) continue;
    const theirs = others.map((f) => `${shortValue(f.header.metadata.get(key))} in ${label(f)}`).join(", ");
    notes.push(`${key} differs (${shortValue(own)} in ${label(source)}, ${theirs}): the output takes ${label(source)}'s, the tokenizer source`);
  }
  return notes;
}

export interface VocabularyMatch {
  /** One sentence per tokenizer setting that differs, saying the output takes the source's. */
  notes: string[];
  /** Per file: the ids below its own size where it takes the source's row (none for the source). */
  borrowed: number[][];
}

/** Checks that every model's tokenizer is compatible with the source's (files[source]). */
export function checkTokenizers(files: NamedHeader[], source: number): VocabularyMatch {
  const src = files[source];
  if (!src) throw new TokenizerMismatchError("no tokenizer source");
  const borrowed = files.map((other) => {
    if (other === src) return [];
    for (const key of TOKENIZER_KIND_KEYS) {
      const [a, b] = [getString(src.header.metadata, key), getString(other.header.metadata, key)];
      if (a !== b)
        throw new TokenizerMismatchError(
          `${label(src)} and ${label(other)} have different tokenizers: ${key} is ${a ?? "missing"} vs ${b ?? "missing"}; only models that tokenize text the same way can be merged`,
        );
    }
    return borrowedIds(src, other);
  });
  const notes = metadataNotes(files, src);
  files.forEach((f, i) => {
    const ids = borrowed[i]!;
    if (ids.length)
      notes.push(
        `${label(f)} lacks ${ids.length} token(s) that ${label(src)} has at ids it uses otherwise (first: ${JSON.stringify(tokensOf(src)[ids[0]!])} at ${ids[0]}): those rows are ${label(src)}'s`,
      );
  });
  return { notes, borrowed };
}
