// Byte-level bigram models written as real llama GGUFs whose next-token log-probabilities are known in closed form
// (../../../shared notes: test-models.md). Token t is embedded as the unit vector e_row(t); one block with all
// attention and FFN weights zero passes it through unchanged; output_norm undoes RMSNorm's scaling; and
// output.weight[v·dim + k] = log P(v | row k). So llama.cpp's logits are exactly the table's row for the last token.
import { quantize } from "../gguf/codecs/index";
import { meta } from "../gguf/metadata";
import { GgmlType, GgufError, ggmlTypeName, parseGgmlType, type GgufMetadata } from "../gguf/types";
import { writeGguf, type GgufTensorSpec, type TensorBytes } from "../gguf/writer";
import { BASE_VOCAB, BOS_ID, EOS_ID, byteTokenizerMetadata } from "./byte-vocab";
import { checkShape, llamaMetadata, llamaTensors, type LlamaShape } from "./llama-arch";

/** Training text: one document, or several (each is framed as BOS … EOS). */
export type Corpus = string | Uint8Array | readonly (string | Uint8Array)[];

export interface BigramTable {
  vocabSize: number;
  /** Distinct conditioning rows: one per byte/control token, plus one shared by all padding tokens when padded. */
  rows: number;
  smoothing: number;
  /** rows × vocabSize, row-major: logProbs[row * vocabSize + next] = log P(next | row). */
  logProbs: Float64Array;
  rowOf(prevToken: number): number;
  /** log P(· | prevToken) over the whole vocabulary (a view, do not modify). */
  row(prevToken: number): Float64Array;
  logProb(prevToken: number, nextToken: number): number;
}

function documents(corpus: Corpus): Uint8Array[] {
  const list = typeof corpus === "string" || corpus instanceof Uint8Array ? [corpus] : corpus;
  return list.map((d) => (typeof d === "string" ? Buffer.from(d, "utf8") : d));
}

/**
 * Add-α smoothed bigram log-probabilities: P(v | k) = (count(k, v) + α) / (count(k) + α·V), counting each document
 * as BOS, its bytes, EOS. Padding tokens (ids ≥ 258) never occur, so they get only α; after a padding token the
 * distribution is uniform.
 */
export function bigramTable(corpus: Corpus, opts: { smoothing?: number; vocabSize?: number } = {}): BigramTable {
  const V = opts.vocabSize ?? BASE_VOCAB;
  const alpha = opts.smoothing ?? 0.1;
  if (!Number.isInteger(V) || V < BASE_VOCAB) throw new Error(`vocabSize must be an integer ≥ ${BASE_VOCAB}, got ${V}`);
  if (!(alpha > 0) || !Number.isFinite(alpha)) throw new Error(`smoothing must be a positive number (it keeps every log-probability finite), got ${alpha}`);
  const rows = V > BASE_VOCAB ? BASE_VOCAB + 1 : BASE_VOCAB;
  const counts = new Float64Array(BASE_VOCAB * BASE_VOCAB);
  for (const doc of documents(corpus)) {
    let prev = BOS_ID;
    for (const b of doc) {
      counts[prev * BASE_VOCAB + b]! += 1;
      prev = b;
    }
    counts[prev * BASE_VOCAB + EOS_ID]! += 1;
  }
  const logProbs = new Float64Array(rows * V);
  for (let k = 0; k < rows; k++) {
    let total = 0;
    if (k < BASE_VOCAB) for (let v = 0; v < BASE_VOCAB; v++) total += counts[k * BASE_VOCAB + v]!;
    const logDenominator = Math.log(total + alpha * V);
    const logAlpha = Math.log(alpha) - logDenominator;
    logProbs.fill(logAlpha, k * V, (k + 1) * V);
    if (k < BASE_VOCAB) {
      for (let v = 0; v < BASE_VOCAB; v++) {
        const c = counts[k * BASE_VOCAB + v]!;
        if (c > 0) logProbs[k * V + v] = Math.log(c + alpha) - logDenominator;
      }
    }
  }
  return tableFromLogProbs(V, rows, alpha, logProbs);
}

/** Wraps a rows × V log-probability array (row 258 shared by all padding tokens) in the BigramTable interface. */
export function tableFromLogProbs(V: number, rows: number, smoothing: number, logProbs: Float64Array): BigramTable {
  const rowOf = (t: number): number => {
    if (!Number.isInteger(t) || t < 0 || t >= V) throw new RangeError(`token ${t} is outside the vocabulary 0..${V - 1}`);
    return t < BASE_VOCAB ? t : BASE_VOCAB;
  };
  return {
    vocabSize: V,
    rows,
    smoothing,
    logProbs,
    rowOf,
    row: (t) => logProbs.subarray(rowOf(t) * V, (rowOf(t) + 1) * V),
    logProb: (t, v) => {
      if (!Number.isInteger(v) || v < 0 || v >= V) throw new RangeError(`token ${v} is outside the vocabulary 0..${V - 1}`);
      return logProbs[rowOf(t) * V + v]!;
    },
  };
}

export type DtypeName = "f32" | "f16" | "bf16" | "q8_0";

export interface BigramModelOptions {
  corpus: Corpus;
  out: string;
  name?: string;
  /** Add-α smoothing (default 0.1); large values make a weak, "amateur" model. */
  smoothing?: number;
  /** Type of the 2-D weights (default f32). One-hot embeddings are exact in F16/BF16; in Q8_0 they come out as
   * 0.99994·e_k, a scale RMSNorm removes. */
  dtype?: DtypeName | GgmlType;
  /** Pads the vocabulary with never-seen tokens up to this size (default 258). */
  vocabSize?: number;
  /** Model width; the default is the smallest that fits the rows and the dtype's block size. */
  dim?: number;
  contextLength?: number;
  /** Replaces the table in output.weight with raw bytes of any type (tests of decoders against llama.cpp). */
  outputWeight?: { type: GgmlType; bytes: Uint8Array };
  signal?: AbortSignal;
}

export interface BigramModel {
  path: string;
  bytes: number;
  table: BigramTable;
  shape: LlamaShape;
  dtype: GgmlType;
}

export function resolveDtype(dtype: DtypeName | GgmlType | undefined): GgmlType {
  if (dtype === undefined) return GgmlType.F32;
  const t = typeof dtype === "string" ? parseGgmlType(dtype) : dtype;
  if (t === undefined || ![GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0].includes(t)) {
    throw new GgufError(`dtype must be one of f32, f16, bf16, q8_0; got ${typeof dtype === "string" ? dtype : ggmlTypeName(dtype)}`);
  }
  return t;
}

function defaultDim(rows: number, dtype: GgmlType): number {
  const heads = 4;
  const block = dtype === GgmlType.Q8_0 ? 32 : 1;
  // Needs dim ≥ rows, a multiple of the block size, and an even head size (dim a multiple of 2·heads).
  const step = block === 1 ? 2 * heads : 32;
  return Math.ceil(rows / step) * step;
}

/** Rows of dim floats produced a chunk at a time, each encoded as `type`. */
async function* encodedRows(type: GgmlType, dim: number, count: number, fill: (row: number, out: Float32Array) => void): AsyncGenerator<Uint8Array> {
  const perChunk = Math.max(1, Math.floor((1 << 20) / dim));
  for (let start = 0; start < count; start += perChunk) {
    const n = Math.min(perChunk, count - start);
    const values = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) fill(start + i, values.subarray(i * dim, (i + 1) * dim));
    yield quantize(type, values);
    await Promise.resolve(); // let an abort or other I/O in between chunks
  }
}

export async function makeBigramModel(opts: BigramModelOptions): Promise<BigramModel> {
  const dtype = resolveDtype(opts.dtype);
  const table = bigramTable(opts.corpus, { smoothing: opts.smoothing, vocabSize: opts.vocabSize });
  const V = table.vocabSize;
  const shape: LlamaShape = {
    dim: opts.dim ?? defaultDim(table.rows, dtype),
    layers: 1,
    heads: 4,
    kvHeads: 4,
    ffn: 32,
    vocabSize: V,
    contextLength: opts.contextLength ?? 2048,
    rmsEps: 1e-5,
  };
  if (shape.dim < table.rows) throw new Error(`dim ${shape.dim} is too small: a bigram model needs one dimension per row (${table.rows})`);
  checkShape(shape);
  const { dim } = shape;
  const types = { embedding: dtype, matrix: dtype, output: opts.outputWeight?.type ?? dtype };
  const tensors = llamaTensors(shape, types);
  const extra: GgufMetadata = byteTokenizerMetadata(V);
  extra.set("chorus.test_model.kind", meta.str("bigram"));
  extra.set("chorus.test_model.smoothing", meta.f64(table.smoothing));
  const metadata = llamaMetadata(opts.name ?? "chorus bigram", shape, extra);

  // RMSNorm turns e_k into e_k / sqrt(1/dim + eps); this weight turns it back into exactly e_k.
  const normScale = Math.fround(Math.sqrt(1 / dim + shape.rmsEps));
  const data = (t: GgufTensorSpec): TensorBytes => {
    if (t.name === "token_embd.weight")
      return encodedRows(t.type, dim, V, (tok, row) => {
        row[table.rowOf(tok)] = 1;
      });
    if (t.name === "output.weight") {
      if (opts.outputWeight) return opts.outputWeight.bytes;
      return encodedRows(t.type, dim, V, (next, row) => {
        for (let k = 0; k < table.rows; k++) row[k] = table.logProbs[k * V + next]!;
      });
    }
    if (t.name === "output_norm.weight") return quantize(GgmlType.F32, new Float32Array(dim).fill(normScale));
    if (t.name.endsWith("_norm.weight")) return quantize(GgmlType.F32, new Float32Array(dim).fill(1));
    const rowLength = t.dims[0]!;
    return encodedRows(t.type, rowLength, t.dims[1]!, () => undefined); // zero attention and FFN weights
  };
  const { path, bytes } = await writeGguf({ out: opts.out, metadata, tensors, data, signal: opts.signal });
  return { path, bytes, table, shape, dtype };
}

/** Average −log2 P(next byte | previous) over documents (each starting after BOS): bits per byte. */
export function crossEntropyBitsPerByte(table: BigramTable, docs: readonly Uint8Array[]): number {
  let nats = 0;
  let n = 0;
  for (const doc of docs) {
    let prev = BOS_ID;
    for (const b of doc) {
      nats -= table.logProb(prev, b);
      prev = b;
      n++;
    }
  }
  if (n === 0) throw new Error("no bytes to evaluate");
  return nats / n / Math.LN2;
}
