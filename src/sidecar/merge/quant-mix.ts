// Which ggml type each tensor gets in a k-quant "mix" (Q4_K_M, Q5_K_S…), chosen as llama.cpp's quantizer chooses it
// (src/llama-quant.cpp: tensor_allows_quantization, llama_tensor_get_type_impl, tensor_type_fallback), so a merged
// Q4_K_M file has the same layout, size and quality as one made by llama-quantize. Only the rules that concern the
// mixes Chorus writes are kept. Tests compare the choice with llama.cpp's own (test/unit/gguf/kquant-parity.test.ts).
import { getNumber, getString } from "../gguf/metadata";
import { GgmlType, blockLayout, type GgufMetadata, type GgufTensorInfo } from "../gguf/types";

export type KQuantMix = "q4_k_s" | "q4_k_m" | "q5_k_s" | "q5_k_m" | "q6_k";

/** Each mix's default type and its llama_ftype code (general.file_type). */
export const K_MIXES: Record<KQuantMix, { base: GgmlType; fileType: number }> = {
  q4_k_s: { base: GgmlType.Q4_K, fileType: 14 },
  q4_k_m: { base: GgmlType.Q4_K, fileType: 15 },
  q5_k_s: { base: GgmlType.Q5_K, fileType: 16 },
  q5_k_m: { base: GgmlType.Q5_K, fileType: 17 },
  q6_k: { base: GgmlType.Q6_K, fileType: 18 },
};

export function isKQuantMix(dtype: string): dtype is KQuantMix {
  return dtype in K_MIXES;
}

type Category = "output" | "token_embd" | "attn_v" | "attn_k" | "attn_output" | "ffn_down" | "other";

/** tensor_get_category, reduced to the categories the k-mixes treat differently (attn_qkv and attn_kv_b count as
 * attn_v there: llama.cpp tests "is attn_v-like" before it would reach their own branch). */
function category(name: string): Category {
  if (name === "output.weight") return "output";
  if (name === "token_embd.weight" || name === "per_layer_token_embd.weight") return "token_embd";
  if (name.includes("attn_qkv.weight") || name.includes("attn_kv_b.weight") || name.includes("attn_v.weight")) return "attn_v";
  if (name.includes("attn_k.weight")) return "attn_k";
  if (name.includes("attn_output.weight")) return "attn_output";
  if (name.includes("ffn_down")) return "ffn_down";
  return "other";
}

/** Substrings of the names of 2-D weights llama.cpp never quantizes (norms, routers, small special tensors). */
const NEVER_QUANTIZED = [
  "_norm.weight",
  "ffn_gate_inp.weight",
  "ffn_gate_tid2eid.weight",
  "altup",
  "laurel",
  "per_layer_model_proj",
  "ssm_conv1d",
  "shortconv.conv.weight",
  "indexer.k_proj.weight",
  "indexer.q_proj.weight",
  "time_mix_first.weight",
  "time_mix_w0.weight",
  "time_mix_w1.weight",
  "time_mix_w2.weight",
  "time_mix_v0.weight",
  "time_mix_v1.weight",
  "time_mix_v2.weight",
  "time_mix_a0.weight",
  "time_mix_a1.weight",
  "time_mix_a2.weight",
  "time_mix_g1.weight",
  "time_mix_g2.weight",
  "time_mix_decay_w1.weight",
  "time_mix_decay_w2.weight",
  "time_mix_lerp_fused.weight",
  "attn_rel_b.weight",
  ".position_embd",
  "sam.pos_embd",
  "sam.neck.",
  "sam.net_",
  ".rel_pos",
  ".patch_embd",
  ".patch_merger",
  "a.rvq.codebook",
  "mm.a.code_embd",
];

/** tensor_allows_quantization: 2-D and 3-D tensors named *weight, minus the exceptions. */
export function allowsQuantization(t: Pick<GgufTensorInfo, "name" | "dims">): boolean {
  let nDims = t.dims.length;
  while (nDims > 1 && t.dims[nDims - 1] === 1) nDims--; // ggml_n_dims ignores trailing 1s
  if (nDims < 2 || !t.name.endsWith("weight")) return false;
  if (t.name === "position_embd.weight" || t.name === "token_types.weight") return false;
  return !NEVER_QUANTIZED.some((s) => t.name.includes(s));
}

/** The figures of the model llama.cpp's choice depends on, read from the reference model's metadata. */
export interface MixModel {
  arch: string;
  layers: number;
  experts: number;
  /** llama.cpp's LLM_TYPE_70B: Llama with 80 blocks and grouped-query attention. */
  is70B: boolean;
}

export function mixModel(metadata: GgufMetadata, tensors: readonly Pick<GgufTensorInfo, "name">[]): MixModel {
  const arch = getString(metadata, "general.architecture") ?? "llama";
  const num = (key: string) => getNumber(metadata, `${arch}.${key}`);
  const maxBlock = tensors.reduce((m, t) => Math.max(m, layerOf(t.name) + 1), 0);
  const layers = num("block_count") ?? maxBlock;
  const heads = num("attention.head_count");
  const kvHeads = num("attention.head_count_kv") ?? heads;
  return { arch, layers, experts: Math.max(1, num("expert_count") ?? 1), is70B: arch === "llama" && layers === 80 && heads !== kvHeads };
}

function layerOf(name: string): number {
  const m = /^blk\.(\d+)\./.exec(name);
  return m ? Number(m[1]) : -1;
}

/** llama.cpp's "give this layer more bits" pattern: the first and last eighth, and every third layer between. */
function useMoreBits(i: number, n: number): boolean {
  const eighth = Math.trunc(n / 8);
  return i < eighth || i >= Math.trunc((7 * n) / 8) || (i - eighth) % 3 === 2;
}

/** tensor_type_fallback: a type whose block does not divide the row length becomes one whose block does. */
function fallback(type: GgmlType, rowLength: number): GgmlType {
  if (rowLength % blockLayout(type).blockSize === 0) return type;
  const next = type === GgmlType.Q4_K ? GgmlType.Q5_0 : type === GgmlType.Q5_K ? GgmlType.Q5_1 : GgmlType.Q8_0;
  return rowLength % 32 === 0 ? next : GgmlType.F16;
}

/**
 * Types for every tensor of a model quantized as `mix`, in llama.cpp's order of visiting (by block number, then
 * name: its weight_name_comparer), because the attn_v and ffn_down rules count tensors as they go. Tensors that
 * are never quantized get `undefined` (the caller keeps them in float).
 */
export function mixTypes(mix: KQuantMix, tensors: readonly Pick<GgufTensorInfo, "name" | "dims">[], model: MixModel): Map<string, GgmlType | undefined> {
  const base = K_MIXES[mix].base;
  const byLayer = [...tensors].sort((a, b) => layerOf(a.name) - layerOf(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const tied = !tensors.some((t) => t.name === "output.weight");
  const nAttnV = tensors.filter((t) => category(t.name) === "attn_v").length;
  const counters = { attnV: 0, ffnDown: 0 };
  const out = new Map<string, GgmlType | undefined>();
  for (const t of byLayer) {
    if (!allowsQuantization(t)) {
      out.set(t.name, undefined);
      continue;
    }
    out.set(t.name, fallback(chooseType(mix, base, t, model, tied, nAttnV, counters), t.dims[0] ?? 0));
  }
  return out;
}

function chooseType(
  mix: KQuantMix,
  base: GgmlType,
  t: Pick<GgufTensorInfo, "name" | "dims">,
  model: MixModel,
  tied: boolean,
  nAttnV: number,
  counters: { attnV: number; ffnDown: number },
): GgmlType {
  const cat = category(t.name);
  const falcon = model.arch === "falcon";
  if (cat === "output" || (tied && cat === "token_embd")) {
    // The output projection gets Q6_K (Q8_0 when its rows are not whole super-blocks, or on Falcon).
    return falcon || (t.dims[0] ?? 0) % blockLayout(base).blockSize !== 0 ? GgmlType.Q8_0 : GgmlType.Q6_K;
  }
  if (cat === "attn_v") {
    const i = counters.attnV++;
    let type = base;
    if ((mix === "q4_k_m" || mix === "q5_k_m") && useMoreBits(i, nAttnV)) type = GgmlType.Q6_K;
    else if (mix === "q4_k_s" && i < 4) type = GgmlType.Q5_K;
    if (model.is70B && type === GgmlType.Q4_K) type = GgmlType.Q5_K;
    return model.experts === 8 ? GgmlType.Q8_0 : type;
  }
  if (cat === "attn_k") return model.experts === 8 ? GgmlType.Q8_0 : base;
  if (cat === "ffn_down") return ffnDownType(mix, base, t.name, model, counters.ffnDown++);
  if (cat === "attn_output" && !falcon && model.experts === 8 && (mix === "q4_k_s" || mix === "q4_k_m")) return GgmlType.Q5_K;
  return base;
}

function ffnDownType(mix: KQuantMix, base: GgmlType, name: string, model: MixModel, visited: number): GgmlType {
  // Mixture-of-experts models interleave expert tensors, so llama.cpp reads the layer from the name there.
  const i = model.experts > 1 ? layerOf(name) : visited;
  const n = model.layers;
  if (mix === "q4_k_m") {
    if (model.arch === "falcon") return i < Math.trunc(n / 16) ? GgmlType.Q6_K : useMoreBits(i, n) ? GgmlType.Q5_K : GgmlType.Q4_K;
    return useMoreBits(i, n) ? GgmlType.Q6_K : base;
  }
  if (mix === "q5_k_m" && useMoreBits(i, n)) return GgmlType.Q6_K;
  if (mix === "q4_k_s" && model.arch !== "falcon" && i < Math.trunc(n / 8)) return GgmlType.Q5_K;
  return base;
}
