// What the merged file looks like: each tensor's output type, and the metadata with the merge's provenance.
import * as path from "node:path";
import { getString, meta } from "../gguf/metadata";
import { GgmlType, type GgufMetadata, type GgufTensorInfo } from "../gguf/types";
import type { GgufTensorSpec } from "../gguf/writer";
import type { MergePlan, OutputDtype } from "./plan";
import { isKQuantMix, K_MIXES, mixModel, mixTypes, type KQuantMix } from "./quant-mix";

type UniformDtype = Exclude<OutputDtype, KQuantMix>;
const GGML_OF: Record<UniformDtype, GgmlType> = { f32: GgmlType.F32, f16: GgmlType.F16, bf16: GgmlType.BF16, q8_0: GgmlType.Q8_0 };

/** llama.cpp's general.file_type codes (LLAMA_FTYPE_ALL_F32, MOSTLY_F16, MOSTLY_Q8_0, MOSTLY_BF16, MOSTLY_Q4_K_M…). */
function fileTypeOf(dtype: OutputDtype): number {
  if (isKQuantMix(dtype)) return K_MIXES[dtype].fileType;
  return { f32: 0, f16: 1, q8_0: 7, bf16: 32 }[dtype];
}

/**
 * The type a merged tensor is written in. As llama.cpp's own quantizer does, 1-D tensors (norms, biases) stay F32
 * — they are tiny and precision-sensitive — and a Q8_0 tensor whose rows are not whole 32-value blocks is F16.
 */
export function outputTypeFor(dtype: UniformDtype, t: Pick<GgufTensorInfo, "dims">): GgmlType {
  if (t.dims.length === 1 || t.dims.slice(1).every((d) => d === 1)) return GgmlType.F32;
  const type = GGML_OF[dtype];
  if (type === GgmlType.Q8_0 && (t.dims[0] ?? 0) % 32 !== 0) return GgmlType.F16;
  return type;
}

/**
 * Every output tensor's name, shape and type. A k-quant mix (q4_k_m…) takes llama.cpp's per-tensor choice
 * (quant-mix.ts), which needs the reference model's metadata; tensors it never quantizes stay F32 when 1-D (norms)
 * and F16 otherwise, unless the reference already stores them in a float type, which is kept.
 */
export function outputTensorSpecs(dtype: OutputDtype, tensors: readonly OutputTensor[], metadata: GgufMetadata = new Map()): GgufTensorSpec[] {
  if (!isKQuantMix(dtype)) return tensors.map((t) => ({ name: t.name, dims: [...t.dims], type: outputTypeFor(dtype, t) }));
  const types = mixTypes(dtype, tensors, mixModel(metadata, tensors));
  return tensors.map((t) => ({ name: t.name, dims: [...t.dims], type: types.get(t.name) ?? unquantizedType(t) }));
}

/** An output tensor as the layout knows it: its name, shape, and the type the tokenizer source stores it in. */
export type OutputTensor = Pick<GgufTensorInfo, "name" | "dims" | "type">;

const FLOAT_TYPES: readonly GgmlType[] = [GgmlType.F32, GgmlType.F16, GgmlType.BF16];

function unquantizedType(t: OutputTensor): GgmlType {
  if (FLOAT_TYPES.includes(t.type)) return t.type;
  return outputTypeFor("f16", t);
}

function modelLabel(file: string, metadata: GgufMetadata): string {
  return getString(metadata, "general.name") ?? path.basename(file, path.extname(file));
}

/**
 * The tokenizer source's metadata (architecture, tokenizer, chat template…) with the merge's name and provenance
 * added, and the source named in chorus.merge.tokenizer_source.
 */
export function mergedMetadata(
  plan: MergePlan,
  source: { path: string; metadata: GgufMetadata },
  inputs: { file: string; metadata: GgufMetadata }[],
): GgufMetadata {
  const m: GgufMetadata = new Map(source.metadata);
  m.set("chorus.merge.tokenizer_source", meta.str(path.basename(source.path)));
  const labels = inputs.map((i) => modelLabel(i.file, i.metadata));
  m.set("general.name", meta.str(plan.name ?? `${plan.method} merge of ${labels.join(" + ")}`));
  m.set("general.file_type", meta.u32(fileTypeOf(plan.dtype)));
  // llama-quantize stamps quantized files with ggml's quantization format version (GGML_QNT_VERSION, ggml.h).
  if (isKQuantMix(plan.dtype) || plan.dtype === "q8_0") m.set("general.quantization_version", meta.u32(2));
  m.set("chorus.merge.method", meta.str(plan.method));
  m.set("chorus.merge.inputs", meta.strings(inputs.map((i) => path.basename(i.file))));
  if (plan.base) m.set("chorus.merge.base", meta.str(path.basename(plan.base)));
  m.set(
    "chorus.merge.parameters",
    meta.str(JSON.stringify({ global: plan.parameters, models: plan.models.map((x) => ({ model: path.basename(x.path), ...x.parameters })) })),
  );
  m.set("chorus.merge.seed", meta.u32(plan.seed));
  m.set("chorus.merge.dtype", meta.str(plan.dtype));
  return m;
}
