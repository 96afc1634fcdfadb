// The llama-architecture skeleton shared by the generated models: hyperparameter metadata and the list of tensors
// (names and ggml shapes) llama.cpp expects for a given size.
import { meta } from "../gguf/metadata";
import { GgmlType, type GgufMetadata } from "../gguf/types";
import type { GgufTensorSpec } from "../gguf/writer";

export interface LlamaShape {
  dim: number;
  layers: number;
  heads: number;
  kvHeads: number;
  ffn: number;
  vocabSize: number;
  contextLength: number;
  rmsEps: number;
}

export function checkShape(s: LlamaShape): void {
  const problems: string[] = [];
  if (s.dim % s.heads !== 0) problems.push(`dim ${s.dim} is not divisible by heads ${s.heads}`);
  else if ((s.dim / s.heads) % 2 !== 0) problems.push(`head size ${s.dim / s.heads} is odd (RoPE needs an even dimension)`);
  if (s.heads % s.kvHeads !== 0) problems.push(`heads ${s.heads} is not a multiple of kvHeads ${s.kvHeads}`);
  if (s.layers < 1) problems.push("layers must be at least 1");
  if (problems.length) throw new Error(`invalid model shape: ${problems.join("; ")}`);
}

export function llamaMetadata(name: string, s: LlamaShape, extra: GgufMetadata): GgufMetadata {
  const m: GgufMetadata = new Map([
    ["general.architecture", meta.str("llama")],
    ["general.name", meta.str(name)],
    ["llama.vocab_size", meta.u32(s.vocabSize)],
    ["llama.context_length", meta.u32(s.contextLength)],
    ["llama.embedding_length", meta.u32(s.dim)],
    ["llama.block_count", meta.u32(s.layers)],
    ["llama.feed_forward_length", meta.u32(s.ffn)],
    ["llama.attention.head_count", meta.u32(s.heads)],
    ["llama.attention.head_count_kv", meta.u32(s.kvHeads)],
    ["llama.rope.dimension_count", meta.u32(s.dim / s.heads)],
    ["llama.rope.freq_base", meta.f32(10000)],
    ["llama.attention.layer_norm_rms_epsilon", meta.f32(s.rmsEps)],
  ]);
  for (const [k, v] of extra) m.set(k, v);
  return m;
}

/** Every tensor of a llama model, in llama.cpp's usual order; `matrixType` for the 2-D weights, norms F32. */
export function llamaTensors(s: LlamaShape, types: { embedding: GgmlType; matrix: GgmlType; output: GgmlType }): GgufTensorSpec[] {
  const { dim, ffn, vocabSize } = s;
  const kvDim = (dim / s.heads) * s.kvHeads;
  const out: GgufTensorSpec[] = [{ name: "token_embd.weight", type: types.embedding, dims: [dim, vocabSize] }];
  for (let l = 0; l < s.layers; l++) {
    const b = `blk.${l}`;
    out.push(
      { name: `${b}.attn_norm.weight`, type: GgmlType.F32, dims: [dim] },
      { name: `${b}.attn_q.weight`, type: types.matrix, dims: [dim, dim] },
      { name: `${b}.attn_k.weight`, type: types.matrix, dims: [dim, kvDim] },
      { name: `${b}.attn_v.weight`, type: types.matrix, dims: [dim, kvDim] },
      { name: `${b}.attn_output.weight`, type: types.matrix, dims: [dim, dim] },
      { name: `${b}.ffn_norm.weight`, type: GgmlType.F32, dims: [dim] },
      { name: `${b}.ffn_gate.weight`, type: types.matrix, dims: [dim, ffn] },
      { name: `${b}.ffn_up.weight`, type: types.matrix, dims: [dim, ffn] },
      { name: `${b}.ffn_down.weight`, type: types.matrix, dims: [ffn, dim] },
    );
  }
  out.push({ name: "output_norm.weight", type: GgmlType.F32, dims: [dim] }, { name: "output.weight", type: types.output, dims: [dim, vocabSize] });
  return out;
}
