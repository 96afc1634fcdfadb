// Can these GGUF files be merged? Only models of one architecture, with the same tensors of the same shapes and
// tokenizers that give tokens the same ids (vocab.ts), can be merged tensor by tensor; anything else would produce
// a file that llama.cpp refuses or, worse, loads and answers nonsense with. The error names the first mismatch and
// the two files involved. Embeddings may differ by added tokens, and a model may tie its output to its embeddings
// (merge-layout.ts says how those are merged).
import * as path from "node:path";
import { safeMessage } from "../../core/quote";
import { getNumber, getString } from "../gguf/metadata";
import type { GgufHeader } from "../gguf/types";
import { EMBEDDING_TENSORS } from "./merge-layout";
import { checkTokenizers, TokenizerMismatchError, type NamedHeader, type VocabularyMatch } from "./vocab";

export type { NamedHeader } from "./vocab";

export class MergeCompatError extends Error {
  override readonly name = "MergeCompatError";
  constructor(message: string) {
    // Quotes tensor names and metadata from the input files: escaped and capped.
    super(safeMessage(message));
  }
}

/** Hyperparameters that shapes do not reveal but that change how the weights are used. */
const ARCH_KEYS = [
  "block_count",
  "embedding_length",
  "feed_forward_length",
  "attention.head_count",
  "attention.head_count_kv",
  "rope.dimension_count",
  "expert_count",
];

function label(f: NamedHeader): string {
  return path.basename(f.file);
}

/**
 * Embedding tensors may differ in their token count (a model's added tokens) and output.weight may be missing
 * (tied embeddings); every other tensor must be in both with the same shape.
 */
function checkTensors(ref: NamedHeader, other: NamedHeader): void {
  const refTensors = new Map(ref.header.tensors.map((t) => [t.name, t]));
  const otherTensors = new Map(other.header.tensors.map((t) => [t.name, t]));
  for (const [name, t] of refTensors) {
    const o = otherTensors.get(name);
    if (!o) {
      if (name === "output.weight" && otherTensors.has("token_embd.weight")) continue;
      throw new MergeCompatError(`${label(other)} has no tensor ${name}, which ${label(ref)} has; these models have different layouts`);
    }
    const sameShape = EMBEDDING_TENSORS.has(name)
      ? o.dims.length === 2 && t.dims.length === 2 && o.dims[0] === t.dims[0]
      : o.dims.length === t.dims.length && o.dims.every((d, i) => d === t.dims[i]);
    if (!sameShape)
      throw new MergeCompatError(`tensor ${name} has shape [${t.dims.join(", ")}] in ${label(ref)} but [${o.dims.join(", ")}] in ${label(other)}`);
  }
  for (const name of otherTensors.keys())
    if (!refTensors.has(name) && !(name === "output.weight" && refTensors.has("token_embd.weight")))
      throw new MergeCompatError(`${label(other)} has a tensor ${name} that ${label(ref)} lacks; these models have different layouts`);
}

/**
 * Throws MergeCompatError naming the first mismatch between the tokenizer source (files[source], by default the
 * first: the base, or the first model) and any other file. Returns notes on the tokenizer settings that differ
 * (the output takes the source's) and the embedding rows each file takes from the source.
 */
export function checkMergeable(files: NamedHeader[], source = 0): VocabularyMatch {
  const ref = files[source];
  if (!ref) throw new MergeCompatError("no models to merge");
  const arch = getString(ref.header.metadata, "general.architecture");
  for (const other of files) {
    if (other === ref) continue;
    const pair = `${label(ref)} and ${label(other)}`;
    const otherArch = getString(other.header.metadata, "general.architecture");
    if (otherArch !== arch)
      throw new MergeCompatError(
        `${pair} have different architectures (${arch ?? "none"} vs ${otherArch ?? "none"}); only models of one architecture can be merged`,
      );
    for (const key of ARCH_KEYS) {
      const k = `${arch}.${key}`;
      const a = getNumber(ref.header.metadata, k);
      const b = getNumber(other.header.metadata, k);
      if (a !== b) throw new MergeCompatError(`${pair} differ in ${k} (${a ?? "missing"} vs ${b ?? "missing"}); they are not the same model shape`);
    }
    checkTensors(ref, other);
  }
  try {
    return checkTokenizers(files, source);
  } catch (e) {
    if (e instanceof TokenizerMismatchError) throw new MergeCompatError(e.message);
    throw e;
  }
}

/** Number of transformer blocks, from metadata or (failing that) the tensor names. */
export function blockCount(header: GgufHeader): number {
  const arch = getString(header.metadata, "general.architecture");
  const fromMeta = arch ? getNumber(header.metadata, `${arch}.block_count`) : undefined;
  if (fromMeta !== undefined) return fromMeta;
  let max = -1;
  for (const t of header.tensors) {
    const m = /^blk\.(\d+)\./.exec(t.name);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max + 1;
}
