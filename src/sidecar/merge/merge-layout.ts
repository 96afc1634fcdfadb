// Which rows of which input tensor feed each output tensor, once the inputs are known to be mergeable:
// - the output takes the tokenizer source's vocabulary; rows of the token embeddings (and output matrix) that every
//   model has are merged, and a model that lacks a token the source has (past its own rows, or in place of its
//   padding) contributes the source's own row there — so that row's task vector is zero and the merged row is the source's, which is what mergekit's
//   PermutedEmbeddings gives a token that only the source has (mergekit/tokenizer/embed.py);
// - a model with tied embeddings (no output.weight: Qwen2.5 0.5B–3B, Llama 3.2 1B/3B, Gemma) reads its
//   token_embd.weight as its output matrix when another model has one, as mergekit reads lm_head's tied name
//   (mergekit/_data/architectures/llama.json: lm_head is optional, tied to model.embed_tokens);
// - Gemma's norm weights are stored as weight + 1 (llama.cpp's convert_hf_to_gguf.py, GemmaModel/Gemma2Model/
//   Gemma3Model.modify_tensors: `norm.weight` + 1, since Gemma's RMSNorm multiplies by 1 + weight); they are
//   merged as the weights Hugging Face stores (offset removed, then put back), as mergekit merges them;
// - mixture-of-experts tensors (`ffn_*_exps`) hold one matrix per expert, which mergekit merges as separate
//   tensors (mlp.experts.N.*): methods that need whole-tensor figures get one expert at a time.
import { getString } from "../gguf/metadata";
import { GgufReader } from "../gguf/reader";
import type { GgufTensorInfo } from "../gguf/types";

/** Tensors whose rows are tokens. */
export const EMBEDDING_TENSORS = new Set(["token_embd.weight", "output.weight"]);

/** Architectures whose converter stores norm weights as weight + 1 (gemma3n and gemma4 do not). */
const NORM_OFFSET_ARCHS = new Set(["gemma", "gemma2", "gemma3", "gemma-embedding"]);

/** Where one input's rows of one tensor come from: its own tensor, then (for rows it lacks) the source's. */
export interface InputRows {
  reader: GgufReader;
  info: GgufTensorInfo;
  /** Rows of `info`; rows from here on come from `fallback`. */
  ownRows: number;
  /** Rows below ownRows that also come from `fallback` (tokens the source has there and this model lacks). */
  borrowed: readonly number[];
  fallback?: { reader: GgufReader; info: GgufTensorInfo };
}

export interface TensorLayout {
  name: string;
  dims: number[];
  rowLength: number;
  rowCount: number;
  /** Base first when there is one, as the readers are. */
  inputs: InputRows[];
  /** Added to every stored value (1 for Gemma's norms): removed before merging, put back after. */
  storedOffset: number;
  /** Independent parts merged one by one (the experts of an `_exps` tensor); 1 otherwise. */
  parts: number;
}

/** Rows [rowStart, rowStart + count) of one input, decoded to float32. */
export async function readInputRows(input: InputRows, rowLength: number, rowStart: number, count: number): Promise<Float32Array> {
  const ownCount = Math.max(0, Math.min(count, input.ownRows - rowStart));
  const out = ownCount === count ? await input.reader.readTensorFloat32(input.info, rowStart, count) : new Float32Array(count * rowLength);
  if (ownCount === count && input.borrowed.length === 0) return out;
  const fb = input.fallback!;
  if (ownCount < count) {
    if (ownCount > 0) out.set(await input.reader.readTensorFloat32(input.info, rowStart, ownCount));
    out.set(await fb.reader.readTensorFloat32(fb.info, rowStart + ownCount, count - ownCount), ownCount * rowLength);
  }
  for (const id of input.borrowed)
    if (id >= rowStart && id < rowStart + ownCount) out.set(await fb.reader.readTensorFloat32(fb.info, id, 1), (id - rowStart) * rowLength);
  return out;
}

/** The tensor a reader merges under `name`: its own, or its token embeddings standing in for a tied output. */
function inputTensor(r: GgufReader, name: string): GgufTensorInfo | undefined {
  return r.tensor(name) ?? (name === "output.weight" ? r.tensor("token_embd.weight") : undefined);
}

function partsOf(name: string, dims: number[], rowCount: number): number {
  const experts = /_exps\.(weight|bias)$/.test(name) ? (dims[dims.length - 1] ?? 1) : 1;
  return experts > 1 && rowCount % experts === 0 ? experts : 1;
}

/**
 * The output's tensors in the source's order (plus output.weight when the source ties it but another model has
 * one), each with where its inputs' rows come from. Assumes checkMergeable passed.
 */
export function mergeLayout(readers: GgufReader[], source: number, borrowed: readonly (readonly number[])[] = []): TensorLayout[] {
  const src = readers[source]!;
  const arch = getString(src.metadata, "general.architecture") ?? "";
  const names = src.tensors.map((t) => t.name);
  if (!src.tensor("output.weight") && readers.some((r) => r.tensor("output.weight"))) names.push("output.weight");
  return names.map((name) => {
    const own = inputTensor(src, name)!;
    const { rowLength, rowCount } = GgufReader.rows(own);
    const inputs = readers.map((r, i): InputRows => {
      const info = inputTensor(r, name)!;
      const ownRows = GgufReader.rows(info).rowCount;
      const rowsBorrowed = EMBEDDING_TENSORS.has(name) ? (borrowed[i] ?? []) : [];
      const fallback = ownRows < rowCount || rowsBorrowed.length ? { reader: src, info: own } : undefined;
      return { reader: r, info, ownRows, borrowed: rowsBorrowed, fallback };
    });
    return {
      name,
      dims: [...own.dims],
      rowLength,
      rowCount,
      inputs,
      storedOffset: NORM_OFFSET_ARCHS.has(arch) && name.endsWith("norm.weight") ? 1 : 0,
      parts: partsOf(name, own.dims, rowCount),
    };
  });
}
