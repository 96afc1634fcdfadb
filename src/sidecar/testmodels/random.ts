// Random-weight llama models: a few layers of real attention, RoPE and SwiGLU on the shared byte vocabulary, so
// tests exercise the KV cache, context handling and multi-token state that the pass-through bigram models skip.
// Seeded, so the same options always give the same file.
import { quantize } from "../gguf/codecs/index";
import { meta } from "../gguf/metadata";
import { GgmlType, type GgufMetadata } from "../gguf/types";
import { writeGguf, type GgufTensorSpec, type TensorBytes } from "../gguf/writer";
import { resolveDtype, type DtypeName } from "./bigram";
import { BASE_VOCAB, byteTokenizerMetadata } from "./byte-vocab";
import { checkShape, llamaMetadata, llamaTensors, type LlamaShape } from "./llama-arch";
import { mulberry32 } from "../random";

export interface RandomModelOptions {
  out: string;
  name?: string;
  seed?: number;
  dim?: number;
  layers?: number;
  heads?: number;
  kvHeads?: number;
  ffn?: number;
  vocabSize?: number;
  contextLength?: number;
  dtype?: DtypeName | GgmlType;
  /** tokenizer.* metadata for a vocabulary of `vocabSize` entries (default: the byte vocabulary, padded). */
  tokenizer?: GgufMetadata;
  /** No output.weight: llama.cpp then uses token_embd.weight for the output too (a tied output). */
  tiedOutput?: boolean;
  /**
   * Output rows [from, to) point along a component every hidden state shares (each embedding gets +8 on
   * dimension 0), `scale` times: those ids get the highest logits (families.ts: padding the mixer must skip).
   */
  paddingLogit?: { from: number; to: number; scale: number };
  signal?: AbortSignal;
}

export interface RandomModel {
  path: string;
  bytes: number;
  shape: LlamaShape;
  seed: number;
}

/** Standard normals from the shared seeded generator, by Box–Muller. */
export function seededNormals(seed: number): () => number {
  const uniform = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** A per-tensor seed, so a tensor's values do not depend on the order tensors are generated in. */
function tensorSeed(seed: number, name: string): number {
  let h = seed ^ 0x9e3779b9;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export async function makeRandomModel(opts: RandomModelOptions): Promise<RandomModel> {
  const dtype = resolveDtype(opts.dtype);
  const seed = opts.seed ?? 1;
  const shape: LlamaShape = {
    dim: opts.dim ?? 64,
    layers: opts.layers ?? 2,
    heads: opts.heads ?? 4,
    kvHeads: opts.kvHeads ?? 2,
    ffn: opts.ffn ?? 128,
    vocabSize: opts.vocabSize ?? BASE_VOCAB,
    contextLength: opts.contextLength ?? 1024,
    rmsEps: 1e-5,
  };
  checkShape(shape);
  const tensors = llamaTensors(shape, { embedding: dtype, matrix: dtype, output: dtype }).filter((t) => !(opts.tiedOutput && t.name === "output.weight"));
  const extra: GgufMetadata = new Map(opts.tokenizer ?? byteTokenizerMetadata(shape.vocabSize));
  extra.set("chorus.test_model.kind", meta.str("random"));
  extra.set("chorus.test_model.seed", meta.u32(seed));
  const metadata = llamaMetadata(opts.name ?? `chorus random d${shape.dim} l${shape.layers}`, shape, extra);

  const data = (t: GgufTensorSpec): TensorBytes => {
    const count = t.dims.reduce((a, b) => a * b, 1);
    const values = new Float32Array(count);
    if (t.name.endsWith("_norm.weight")) {
      values.fill(1);
    } else {
      const normal = seededNormals(tensorSeed(seed, t.name));
      // Embeddings ~ N(0, 1); weights ~ N(0, 1/fan_in) keep activations O(1) through the layers. The output gets
      // 2/sqrt(dim) so next-token distributions are peaked enough to make greedy decoding meaningful.
      const fanIn = t.dims[0]!;
      const std = t.name === "token_embd.weight" ? 1 : t.name === "output.weight" ? 2 / Math.sqrt(fanIn) : 1 / Math.sqrt(fanIn);
      for (let i = 0; i < count; i++) values[i] = normal() * std;
      if (opts.paddingLogit) steerTowards(t.name, values, shape.dim, opts.paddingLogit);
    }
    return quantize(t.type, values);
  };
  const { path, bytes } = await writeGguf({ out: opts.out, metadata, tensors, data, signal: opts.signal });
  return { path, bytes, shape, seed };
}

/** paddingLogit: a shared +8 on dimension 0 of every embedding, and output rows [from, to) along it. */
function steerTowards(tensor: string, values: Float32Array, dim: number, p: { from: number; to: number; scale: number }): void {
  if (tensor === "token_embd.weight") for (let i = 0; i < values.length; i += dim) values[i]! += 8;
  if (tensor !== "output.weight") return;
  values.fill(0, p.from * dim, p.to * dim);
  for (let t = p.from; t < p.to; t++) values[t * dim] = p.scale;
}
