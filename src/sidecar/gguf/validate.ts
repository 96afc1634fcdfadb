// Checks a GGUF file before llama.cpp sees it. llama.cpp kills the whole process (GGML_ASSERT) on some malformed
// models — a missing feed_forward_length or head_count, an odd RoPE dimension — so the sidecar must refuse them
// with a message instead. The structural checks (magic, version, counts, types, alignment, tensor bounds) happen in
// the header parser; this adds what the architecture needs.
import { missingArchitectureKeys } from "./arch-keys";
import { getArray, getNumber, getString } from "./metadata";
import { GgufReader } from "./reader";
import { checkLlamaTensors } from "./validate-tensors";
import { GgufError, GgufValueType, alignUp, type GgufHeader, type GgufMetadata } from "./types";

/** Architectures without attention heads (state-space and RWKV models): their head checks do not apply. */
const NO_ATTENTION = new Set(["mamba", "mamba2", "rwkv6", "rwkv6qwen2", "rwkv7", "arwkv7"]);

export interface LlamaHyperparameters {
  arch: string;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nHeadKv: number;
  headDimK: number;
  headDimV: number;
  nFf: number[];
  nVocab?: number;
}

/** A per-layer value: a number, or an array with one entry per layer (some architectures vary it by layer). */
function perLayer(m: GgufMetadata, key: string, layers: number, problems: string[]): number[] | undefined {
  const n = getNumber(m, key);
  if (n !== undefined) return new Array<number>(layers).fill(n);
  const arr = getArray(m, key);
  if (arr && arr.itemType !== GgufValueType.ARRAY && arr.itemType !== GgufValueType.STRING && arr.itemType !== GgufValueType.BOOL) {
    const values = (arr.value as (number | bigint)[]).map(Number);
    if (values.length !== layers) problems.push(`${key} has ${values.length} entries, expected one per layer (${layers})`);
    return values;
  }
  if (m.has(key)) problems.push(`${key} must be a number or an array of numbers`);
  return undefined;
}

function checkHyperparameters(m: GgufMetadata, problems: string[]): LlamaHyperparameters | undefined {
  const arch = getString(m, "general.architecture");
  if (!arch) {
    problems.push("general.architecture is missing (every GGUF model must name its architecture)");
    return undefined;
  }
  const need = (suffix: string): number | undefined => {
    const key = `${arch}.${suffix}`;
    const v = getNumber(m, key);
    if (v === undefined) problems.push(`${key} is missing or not a number`);
    else if (!Number.isInteger(v) || v <= 0) problems.push(`${key} must be a positive integer, got ${v}`);
    return v;
  };
  need("context_length");
  problems.push(...missingArchitectureKeys(m, arch));
  const nEmbd = need("embedding_length");
  const nLayer = need("block_count");
  if (nEmbd === undefined || nLayer === undefined || NO_ATTENTION.has(arch)) return undefined;

  const nFf = perLayer(m, `${arch}.feed_forward_length`, nLayer, problems);
  if (!nFf) problems.push(`${arch}.feed_forward_length is missing (llama.cpp aborts without it)`);
  const heads = perLayer(m, `${arch}.attention.head_count`, nLayer, problems);
  if (!heads) {
    problems.push(`${arch}.attention.head_count is missing (llama.cpp aborts without it)`);
    return undefined;
  }
  const kvHeads = perLayer(m, `${arch}.attention.head_count_kv`, nLayer, problems) ?? heads;
  const nHead = Math.max(...heads);
  const nHeadKv = Math.max(...kvHeads);
  // Hybrid models list 0 heads for their non-attention layers; only negative, fractional or all-zero counts are wrong.
  if (heads.some((h) => !Number.isInteger(h) || h < 0) || nHead <= 0) problems.push(`${arch}.attention.head_count must be positive integers`);
  heads.forEach((h, i) => {
    const kv = kvHeads[i] ?? h;
    if (h > 0 && kv > 0 && h % kv !== 0) problems.push(`layer ${i}: head_count ${h} is not a multiple of head_count_kv ${kv}`);
  });
  const headDimK = getNumber(m, `${arch}.attention.key_length`) ?? (nHead > 0 ? nEmbd / nHead : NaN);
  const headDimV = getNumber(m, `${arch}.attention.value_length`) ?? headDimK;
  if (!Number.isInteger(headDimK)) {
    problems.push(`embedding_length ${nEmbd} is not divisible by head_count ${nHead} (and no attention.key_length is given)`);
  }
  const ropeDim = getNumber(m, `${arch}.rope.dimension_count`) ?? headDimK;
  if (Number.isInteger(ropeDim) && ropeDim % 2 !== 0) problems.push(`the RoPE dimension is ${ropeDim}; it must be even (llama.cpp aborts on an odd one)`);
  if (ropeDim > headDimK) problems.push(`${arch}.rope.dimension_count ${ropeDim} is larger than the head size ${headDimK}`);
  return { arch, nEmbd, nLayer, nHead, nHeadKv, headDimK, headDimV, nFf: nFf ?? [] };
}

function checkVocabulary(m: GgufMetadata, hp: LlamaHyperparameters | undefined, problems: string[]): void {
  const tokens = getArray(m, "tokenizer.ggml.tokens");
  if (!tokens) {
    problems.push("tokenizer.ggml.tokens is missing (the model has no vocabulary)");
    return;
  }
  const n = tokens.value.length;
  if (hp) hp.nVocab = n;
  for (const key of ["tokenizer.ggml.token_type", "tokenizer.ggml.scores"]) {
    const arr = getArray(m, key);
    if (arr && arr.value.length !== n) problems.push(`${key} has ${arr.value.length} entries but there are ${n} tokens`);
  }
  for (const key of ["bos", "eos", "unknown", "padding", "seperator"].map((k) => `tokenizer.ggml.${k}_token_id`)) {
    const id = getNumber(m, key);
    // -1 (or its uint32 form) means "none" to llama.cpp.
    if (id !== undefined && id !== 0xffffffff && (id < -1 || id >= n)) problems.push(`${key} is ${id}, outside the vocabulary of ${n} tokens`);
  }
}

/** llama.cpp requires tensor data stored in header order, each tensor starting at the next aligned offset. */
function checkTensorOrder(h: GgufHeader, problems: string[]): void {
  let expected = 0;
  for (const t of h.tensors) {
    if (t.offset !== expected) {
      problems.push(`tensor ${t.name} is at data offset ${t.offset}; llama.cpp expects ${expected} (tensors stored in order, each aligned to ${h.alignment})`);
      return;
    }
    expected = alignUp(expected + t.byteSize, h.alignment);
  }
}

/** Every reason llama.cpp would refuse or crash on this file; empty when it is fine to load. */
export async function findLlamaProblems(path: string): Promise<string[]> {
  let header: GgufHeader;
  try {
    const reader = await GgufReader.open(path);
    header = reader.header;
    await reader.close();
  } catch (e) {
    if (e instanceof GgufError) return [e.message.startsWith(`${path}: `) ? e.message.slice(path.length + 2) : e.message];
    throw e;
  }
  return problemsInHeader(header);
}

export function problemsInHeader(header: GgufHeader): string[] {
  const problems: string[] = [];
  const m = header.metadata;
  const splits = getNumber(m, "split.count");
  if (splits !== undefined && splits > 1) {
    problems.push(`this is part of a ${splits}-file split model; merge the parts first (llama-gguf-split --merge)`);
  }
  const hp = checkHyperparameters(m, problems);
  checkVocabulary(m, hp, problems);
  checkTensorOrder(header, problems);
  if (hp) checkLlamaTensors(header, hp, problems);
  return problems;
}

/** Throws a GgufError listing every problem, or returns the parsed header when llama.cpp can load the file. */
export async function validateForLlama(path: string): Promise<GgufHeader> {
  const reader = await GgufReader.open(path).catch((e: unknown) => {
    throw e instanceof GgufError ? new GgufError(`cannot be loaded: ${e.message.replace(`${path}: `, "")}`, path, { cause: e }) : e;
  });
  await reader.close();
  const problems = problemsInHeader(reader.header);
  if (problems.length) {
    throw new GgufError(`cannot be loaded: ${problems.length === 1 ? problems[0]! : `\n  - ${problems.join("\n  - ")}`}`, path);
  }
  return reader.header;
}
