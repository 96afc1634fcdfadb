// GGUF LoRA adapters for tests, in the layout llama.cpp's adapter loader (src/llama-adapter.cpp) checks: general.type
// "adapter", adapter.type "lora", adapter.lora.alpha as float32 (llama.cpp asserts the type), and per adapted
// weight W (ggml dims [in, out]) the pair `<W>.lora_a` with dims [in, rank] and `<W>.lora_b` with dims [rank, out].
// llama.cpp adds scale·(alpha/rank)·B·(A·x) to W·x, so the weight it effectively uses is W + scale·(alpha/rank)·ΔW
// with ΔW[o][i] = Σ_j B[o][j]·A[j][i]. On a bigram model (hidden state e_k for previous-token row k) adapting
// output.weight shifts the logit of token v after row k by exactly scale·(alpha/rank)·ΔW[v][k].
import { quantize } from "../gguf/codecs/index";
import { meta } from "../gguf/metadata";
import { GgmlType, type GgufMetadata } from "../gguf/types";
import { writeGguf, type GgufTensorSpec } from "../gguf/writer";

export interface LoraTarget {
  /** The base model's tensor, e.g. "output.weight". */
  tensor: string;
  /** The base tensor's input width (ggml ne0) and output count (ne1). */
  inDim: number;
  outDim: number;
  rank: number;
  /** rank × inDim, row-major: a[j·inDim + i]. */
  a: Float32Array;
  /** outDim × rank, row-major: b[o·rank + j]. */
  b: Float32Array;
}

export interface LoraAdapterOptions {
  out: string;
  targets: readonly LoraTarget[];
  alpha: number;
  /** Must equal the base model's general.architecture (default "llama"). */
  architecture?: string;
  name?: string;
  /** Lets tests write an adapter llama.cpp must refuse (a wrong type, a missing key). */
  editMetadata?: (m: GgufMetadata) => void;
}

export async function writeLoraAdapter(opts: LoraAdapterOptions): Promise<{ path: string; bytes: number }> {
  const metadata: GgufMetadata = new Map([
    ["general.architecture", meta.str(opts.architecture ?? "llama")],
    ["general.type", meta.str("adapter")],
    ["general.name", meta.str(opts.name ?? "chorus test lora")],
    ["adapter.type", meta.str("lora")],
    ["adapter.lora.alpha", meta.f32(opts.alpha)],
  ]);
  opts.editMetadata?.(metadata);
  const tensors: GgufTensorSpec[] = [];
  const data = new Map<string, Float32Array>();
  for (const t of opts.targets) {
    if (t.a.length !== t.rank * t.inDim) throw new Error(`${t.tensor}: A needs rank·inDim = ${t.rank * t.inDim} values, got ${t.a.length}`);
    if (t.b.length !== t.outDim * t.rank) throw new Error(`${t.tensor}: B needs outDim·rank = ${t.outDim * t.rank} values, got ${t.b.length}`);
    tensors.push(
      { name: `${t.tensor}.lora_a`, type: GgmlType.F32, dims: [t.inDim, t.rank] },
      { name: `${t.tensor}.lora_b`, type: GgmlType.F32, dims: [t.rank, t.outDim] },
    );
    data.set(`${t.tensor}.lora_a`, t.a);
    data.set(`${t.tensor}.lora_b`, t.b);
  }
  return writeGguf({ out: opts.out, metadata, tensors, data: (t) => quantize(GgmlType.F32, data.get(t.name)!) });
}

/**
 * A rank-1 delta on a bigram model's output.weight: after every previous-token row, token `token`'s logit rises by
 * `boost` (times scale·alpha/rank at load time). ΔW = b·aᵀ with a = 1 on the model's rows, b = boost·e_token.
 */
export function tokenBoostTarget(shape: { dim: number; vocabSize: number }, token: number, boost: number): LoraTarget {
  const a = new Float32Array(shape.dim).fill(1);
  const b = new Float32Array(shape.vocabSize);
  b[token] = boost;
  return { tensor: "output.weight", inDim: shape.dim, outDim: shape.vocabSize, rank: 1, a, b };
}

/** ΔW[out][in] of a target, the matrix llama.cpp adds (before scale·alpha/rank). */
export function loraDelta(t: LoraTarget, out: number, input: number): number {
  let s = 0;
  for (let j = 0; j < t.rank; j++) s += t.b[out * t.rank + j]! * t.a[j * t.inDim + input]!;
  return s;
}
