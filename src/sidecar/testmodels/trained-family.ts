// The trained demo models (models/demo/, training/) re-shaped to a real family's vocabulary and cost: their
// predictions, with Qwen2.5-Coder's vocabulary size, padding and special tokens, and a wider residual stream. The
// random-weight stand-ins (families.ts) have the right shapes but write text no real model writes, so they cannot
// show what lookahead decoding gains on code; these write what the trained models write, at a cost per token set
// by the width, FFN size and layer count asked for (QWEN_COST_SHAPES: the real checkpoints' cost profile, scaled
// down) and the vocabulary.
//
// How the predictions survive the re-shaping (function-preserving widening, in the spirit of Net2Net):
// - Real dimensions 0..d−1 carry the trained weights; dimension d holds a constant C in every embedding and is never
//   written by a layer (attn_output/ffn_down have zero rows there); dimensions above d are zero everywhere.
// - RMSNorm now averages over `width` entries, one of them C. With norm weights scaled by √(d/width) and
//   ε' = (ε·d − C²)/width, every norm gives exactly the trained model's values on the real dimensions:
//   (Σx² + C²)/width + ε' = (d/width)·(Σx²/d + ε).
// - Attention heads keep their size (llama.attention.key_length/value_length), so the widening only adds zero
//   input columns to q/k/v and zero output rows to attn_output. A wider FFN adds hidden units whose gate, up and down
//   weights are zero (silu(0)·0 = 0).
// - Layers added after the trained ones have zero attn_output and ffn_down: they compute as much as any layer and
//   add nothing to the residual stream.
// - Ids the trained model does not have (Qwen's other tokens, added tokens, padding) get an output row of −M on
//   dimension d: the final norm's weight there is G, so their logit is −M·G·C/rms ≪ any trained logit, as a real
//   checkpoint's never-predicted rows are. Trained ids keep their rows (zero on dimension d), so their logits are the
//   trained model's.
// Weights are written as Q8_0 like the trained files (the trained dimensions fill whole 32-value blocks, so their
// values are stored exactly as trained) or F16; the test compares logprobs (test/unit/gguf/trained-family.test.ts).
import { GgufReader } from "../gguf/reader";
import { dequantize, quantize } from "../gguf/codecs/index";
import { getNumber, meta } from "../gguf/metadata";
import { GgmlType, type GgufMetadata } from "../gguf/types";
import { writeGguf, type GgufTensorSpec } from "../gguf/writer";
import { BOS_ID, BYTE_TOKENS, EOS_ID } from "./byte-vocab";
import { QWEN25_CODER, QWEN_ENDOFTEXT, qwenVocab, type Converter, type FamilyVocab, type QwenCoderSize } from "./families";

/** The constant on dimension d: exact in F16, and C² below ε·d for the trained models (ε = 1e-5, d ≥ 64). */
const CONSTANT = 1 / 64;
/** Final-norm weight on dimension d, and the output rows' value there for ids the trained model lacks. */
const FINAL_GAIN = 1000;
const ABSENT_ROW = -1000;

export interface TrainedShape {
  /** Residual width: more than the trained width, a multiple of 32 (llama.cpp's fast products and Q8_0 blocks). */
  width: number;
  /** FFN hidden size, at least the trained one. */
  ffn: number;
  /** Layers, at least the trained ones; the rest add nothing. */
  layers: number;
}

/**
 * Cost profiles of Qwen2.5-Coder 0.5b and 7b at a ninth of their compute per token, for the trained weak model
 * (width 64) and general model (width 256). The real ones, from their config.json (per token, multiply-adds of the
 * layers and the output matrix): 0.5b 24 layers, width 896, FFN 4864 → 494M, of which the output matrix 27.5%;
 * 7b 28 layers, width 3584, FFN 18944 → 7.07B (14.3×), output matrix 7.7%. Here, with the real vocabularies:
 * 0.5b-like 53M (output 27.5%), 7b-like 755M (14.2×, output 7.7%).
 */
export const QWEN_COST_SHAPES = {
  "0.5b": { width: 96, ffn: 5504, layers: 24 },
  "7b": { width: 384, ffn: 21792, layers: 28 },
} as const satisfies Partial<Record<QwenCoderSize, TrainedShape>>;

export interface TrainedAsQwenOptions {
  /** A trained demo model (llama architecture, the byte vocabulary). */
  source: string;
  out: string;
  size: QwenCoderSize;
  /** Default: the trained shape with one more block of 32 in width (just room for the constant dimension). */
  shape?: Partial<TrainedShape>;
  /** Weight type: Q8_0 (default; the trained files' type, so the trained values stay exact) or F16. */
  dtype?: "q8_0" | "f16";
  converter?: Converter;
  signal?: AbortSignal;
}

export interface TrainedAsQwen {
  path: string;
  bytes: number;
  vocab: FamilyVocab;
  trainedWidth: number;
  shape: TrainedShape;
  /** Multiply-adds per token in the layers and the output matrix (what a decoding step costs), and the output's part. */
  macsPerToken: number;
  outputMacsPerToken: number;
}

/** Where a trained id goes in the Qwen-shaped vocabulary: bytes stay, BOS and EOS become <|endoftext|>. */
function qwenRowOf(trainedId: number, use: "input" | "output"): number | undefined {
  if (trainedId < BYTE_TOKENS) return trainedId;
  // Qwen2.5's base GGUFs say bos = eos = <|endoftext|>: as an input it is the trained BOS, as an output the EOS.
  if (trainedId === (use === "input" ? BOS_ID : EOS_ID)) return QWEN_ENDOFTEXT;
  return undefined;
}

interface Trained {
  d: number;
  layers: number;
  heads: number;
  kvHeads: number;
  ffn: number;
  eps: number;
}

function readTrained(metadata: GgufMetadata, path: string): Trained {
  const n = (key: string): number => {
    const v = getNumber(metadata, `llama.${key}`);
    if (v === undefined) throw new Error(`${path}: no llama.${key}; only the trained llama-architecture demo models can be re-shaped`);
    return v;
  };
  return {
    d: n("embedding_length"),
    layers: n("block_count"),
    heads: n("attention.head_count"),
    kvHeads: n("attention.head_count_kv"),
    ffn: n("feed_forward_length"),
    eps: n("attention.layer_norm_rms_epsilon"),
  };
}

function checkedShape(t: Trained, asked: Partial<TrainedShape> | undefined): TrainedShape {
  const shape = { width: (Math.floor(t.d / 32) + 1) * 32, ffn: t.ffn, layers: t.layers, ...asked };
  if (shape.width <= t.d || shape.width % 32 !== 0) throw new Error(`width must be a multiple of 32 above the trained width ${t.d}, not ${shape.width}`);
  if (shape.ffn < t.ffn) throw new Error(`ffn must be at least the trained ${t.ffn}, not ${shape.ffn}`);
  if (shape.layers < t.layers) throw new Error(`layers must be at least the trained ${t.layers}, not ${shape.layers}`);
  return shape;
}

export async function trainedAsQwenCoder(o: TrainedAsQwenOptions): Promise<TrainedAsQwen> {
  const reader = await GgufReader.open(o.source);
  try {
    const trained = readTrained(reader.metadata, o.source);
    const shape = checkedShape(trained, o.shape);
    const type = o.dtype === "f16" ? GgmlType.F16 : GgmlType.Q8_0;
    const c = storedValue(type, CONSTANT);
    const eps = (Math.fround(trained.eps) * trained.d - c * c) / shape.width;
    if (eps <= 0) throw new Error(`the trained model's epsilon ${trained.eps} is too small for the constant dimension`);
    const { vocabSize } = QWEN25_CODER[o.size];
    const vocab = qwenVocab(vocabSize, o.converter);
    const headDim = trained.d / trained.heads;
    const metadata = familyMetadata(reader.metadata, vocab, { ...shape, eps, headDim, size: o.size });
    const kvDim = headDim * trained.kvHeads;
    const tensors = familyTensors(shape, { qDim: trained.d, kvDim, vocabSize, type });
    const widen = { d: trained.d, width: shape.width, c };
    const data = async (spec: GgufTensorSpec) => {
      const source = reader.tensor(spec.name);
      return quantize(spec.type, source ? widenTensor(spec, source, await reader.readTensorFloat32(source), widen) : addedTensor(spec, widen));
    };
    const { path, bytes } = await writeGguf({ out: o.out, metadata, tensors, data, inputs: [o.source], signal: o.signal });
    const perLayer = shape.width * (2 * trained.d + 2 * kvDim) + 3 * shape.width * shape.ffn;
    const outputMacsPerToken = vocabSize * shape.width;
    return { path, bytes, vocab, trainedWidth: trained.d, shape, macsPerToken: shape.layers * perLayer + outputMacsPerToken, outputMacsPerToken };
  } finally {
    await reader.close();
  }
}

function familyMetadata(source: GgufMetadata, vocab: FamilyVocab, s: TrainedShape & { eps: number; headDim: number; size: string }): GgufMetadata {
  const m: GgufMetadata = new Map();
  for (const [k, v] of source) if (!k.startsWith("tokenizer.") && !k.startsWith("chorus.trained.")) m.set(k, v);
  m.set("general.name", meta.str(`${String(source.get("general.name")?.value ?? "trained")} as qwen2.5-coder-${s.size}`));
  m.set("llama.vocab_size", meta.u32(vocab.tokens.length));
  m.set("llama.embedding_length", meta.u32(s.width));
  m.set("llama.feed_forward_length", meta.u32(s.ffn));
  m.set("llama.block_count", meta.u32(s.layers));
  m.set("llama.attention.key_length", meta.u32(s.headDim));
  m.set("llama.attention.value_length", meta.u32(s.headDim));
  m.set("llama.attention.layer_norm_rms_epsilon", meta.f32(s.eps));
  m.set("chorus.test_model.kind", meta.str("trained-as-family"));
  for (const [k, v] of vocab.metadata) m.set(k, v);
  return m;
}

/** The written model's tensors, in llama.cpp's order (untied output, like the trained models). */
function familyTensors(s: TrainedShape, o: { qDim: number; kvDim: number; vocabSize: number; type: GgmlType }): GgufTensorSpec[] {
  const norm = (name: string): GgufTensorSpec => ({ name, type: GgmlType.F32, dims: [s.width] });
  const matrix = (name: string, cols: number, rows: number): GgufTensorSpec => ({ name, type: o.type, dims: [cols, rows] });
  const out = [matrix("token_embd.weight", s.width, o.vocabSize)];
  for (let l = 0; l < s.layers; l++) {
    const b = `blk.${l}`;
    out.push(
      norm(`${b}.attn_norm.weight`),
      matrix(`${b}.attn_q.weight`, s.width, o.qDim),
      matrix(`${b}.attn_k.weight`, s.width, o.kvDim),
      matrix(`${b}.attn_v.weight`, s.width, o.kvDim),
      matrix(`${b}.attn_output.weight`, o.qDim, s.width),
      norm(`${b}.ffn_norm.weight`),
      matrix(`${b}.ffn_gate.weight`, s.width, s.ffn),
      matrix(`${b}.ffn_up.weight`, s.width, s.ffn),
      matrix(`${b}.ffn_down.weight`, s.ffn, s.width),
    );
  }
  out.push(norm("output_norm.weight"), matrix("output.weight", s.width, o.vocabSize));
  return out;
}

/** What `value` reads back as once stored in a block of `type` with zeros around it (C must be the stored C). */
function storedValue(type: GgmlType, value: number): number {
  const block = new Float32Array(32);
  block[0] = value;
  return dequantize(type, quantize(type, block), 32)[0]!;
}

interface Widening {
  d: number;
  width: number;
  c: number;
}

/** A trained tensor in its wider shape: the trained values in the top-left corner, zeros elsewhere, with the
 * norm scaling, the constant dimension and the vocabulary mapping described at the top. */
function widenTensor(spec: GgufTensorSpec, source: { name: string; dims: number[] }, src: Float32Array, w: Widening): Float32Array {
  const [cols, rows] = [spec.dims[0]!, spec.dims[1] ?? 1];
  const out = new Float32Array(cols * rows);
  const name = spec.name;
  if (name.endsWith("_norm.weight")) {
    const scale = Math.sqrt(w.d / w.width);
    for (let i = 0; i < w.d; i++) out[i] = src[i]! * scale;
    if (name === "output_norm.weight") out[w.d] = FINAL_GAIN;
    return out;
  }
  if (name === "token_embd.weight" || name === "output.weight")
    return vocabRows(name === "token_embd.weight" ? "input" : "output", src, source.dims[1]!, cols, rows, w);
  const [srcCols, srcRows] = [source.dims[0]!, source.dims[1]!];
  for (let r = 0; r < srcRows; r++) out.set(src.subarray(r * srcCols, (r + 1) * srcCols), r * cols);
  return out;
}

function vocabRows(use: "input" | "output", src: Float32Array, trainedRows: number, cols: number, rows: number, w: Widening): Float32Array {
  const out = new Float32Array(cols * rows);
  for (let row = 0; row < rows; row++) out[row * cols + w.d] = use === "input" ? w.c : ABSENT_ROW;
  for (let id = 0; id < trainedRows; id++) {
    const row = qwenRowOf(id, use);
    if (row === undefined) continue;
    out.set(src.subarray(id * w.d, (id + 1) * w.d), row * cols);
    out[row * cols + w.d] = use === "input" ? w.c : 0;
  }
  return out;
}

/** A tensor of an added layer: zeros (norms: the scaled ones), so the layer writes nothing to the residual. */
function addedTensor(spec: GgufTensorSpec, w: Widening): Float32Array {
  const out = new Float32Array(spec.dims.reduce((a, b) => a * b, 1));
  if (spec.name.endsWith("_norm.weight")) out.fill(Math.sqrt(w.d / w.width), 0, w.d);
  return out;
}
