// Can these GGUF files be merged? Only models of one architecture, with the same tensors of the same shapes and
// the same tokenizer, can be merged tensor by tensor; anything else would produce a file that llama.cpp refuses
// or, worse, loads and answers nonsense with. The error names the first mismatch and the two files involved.
import * as path from "node:path";
import { safeMessage } from "../../core/quote";
import { getNumber, getString } from "../gguf/metadata";
import { GgufValueType, type GgufHeader, type GgufValue } from "../gguf/types";

export interface NamedHeader {
  file: string;
  header: GgufHeader;
}

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

const TOKENIZER_KEYS = ["tokenizer.ggml.model", "tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id"];

function label(f: NamedHeader): string {
  return path.basename(f.file);
}

/** A short description of the first difference between two metadata values, or undefined when equal. */
function valueDifference(a: GgufValue | undefined, b: GgufValue | undefined): string | undefined {
  if (a === undefined || b === undefined) return a === b ? undefined : a === undefined ? "missing in the first" : "missing in the second";
  if (a.type !== b.type) return `different value types`;
  if (a.type === GgufValueType.ARRAY && b.type === GgufValueType.ARRAY) {
    if (a.value.length !== b.value.length) return `${a.value.length} vs ${b.value.length} entries`;
    for (let i = 0; i < a.value.length; i++) {
      const x = a.value[i];
      const y = b.value[i];
      if (typeof x === "object" || typeof y === "object" ? JSON.stringify(x) !== JSON.stringify(y) : x !== y)
        return `entry ${i} differs (${JSON.stringify(x)} vs ${JSON.stringify(y)})`;
    }
    return undefined;
  }
  return a.value === b.value ? undefined : `${String(a.value)} vs ${String(b.value)}`;
}

/** Throws MergeCompatError naming the first mismatch between the first file and any other. */
export function checkMergeable(files: NamedHeader[]): void {
  const ref = files[0];
  if (!ref) throw new MergeCompatError("no models to merge");
  const arch = getString(ref.header.metadata, "general.architecture");
  const refTensors = new Map(ref.header.tensors.map((t) => [t.name, t]));
  for (const other of files.slice(1)) {
    const pair = `${label(ref)} and ${label(other)}`;
    const otherArch = getString(other.header.metadata, "general.architecture");
    if (otherArch !== arch) throw new MergeCompatError(`${pair} have different architectures (${arch ?? "none"} vs ${otherArch ?? "none"}); only models of one architecture can be merged`);
    for (const key of ARCH_KEYS) {
      const k = `${arch}.${key}`;
      const a = getNumber(ref.header.metadata, k);
      const b = getNumber(other.header.metadata, k);
      if (a !== b) throw new MergeCompatError(`${pair} differ in ${k} (${a ?? "missing"} vs ${b ?? "missing"}); they are not the same model shape`);
    }
    const otherTensors = new Map(other.header.tensors.map((t) => [t.name, t]));
    for (const [name, t] of refTensors) {
      const o = otherTensors.get(name);
      if (!o) throw new MergeCompatError(`${label(other)} has no tensor ${name}, which ${label(ref)} has; these models have different layouts`);
      if (o.dims.length !== t.dims.length || o.dims.some((d, i) => d !== t.dims[i]))
        throw new MergeCompatError(`tensor ${name} has shape [${t.dims.join(", ")}] in ${label(ref)} but [${o.dims.join(", ")}] in ${label(other)}`);
    }
    for (const name of otherTensors.keys())
      if (!refTensors.has(name)) throw new MergeCompatError(`${label(other)} has a tensor ${name} that ${label(ref)} lacks; these models have different layouts`);
    for (const key of TOKENIZER_KEYS) {
      const diff = valueDifference(ref.header.metadata.get(key), other.header.metadata.get(key));
      if (diff) throw new MergeCompatError(`${pair} have different tokenizers: ${key} ${diff}; merged weights would not match the tokens`);
    }
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
