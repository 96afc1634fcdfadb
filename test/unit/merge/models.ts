// Small llama-shaped GGUF files with seeded random weights, written with the project's own GGUF writer, for
// driving the merge end to end (the bigram models with known outputs come from src/sidecar/testmodels).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { quantize } from "../../../src/sidecar/gguf/codecs/index";
import { GgufReader } from "../../../src/sidecar/gguf/reader";
import { GgmlType, type GgufMetadata } from "../../../src/sidecar/gguf/types";
import { writeGguf } from "../../../src/sidecar/gguf/writer";
import { byteTokenizerMetadata } from "../../../src/sidecar/testmodels/byte-vocab";
import { llamaMetadata, llamaTensors, type LlamaShape } from "../../../src/sidecar/testmodels/llama-arch";
import { fineTune, randomTensor } from "./helpers";

export const SHAPE: LlamaShape = { dim: 64, layers: 2, heads: 4, kvHeads: 4, ffn: 96, vocabSize: 288, contextLength: 256, rmsEps: 1e-5 };

export interface ModelOptions {
  /** Seed of the weights; a fine-tune of `baseSeed` when given. */
  seed: number;
  baseSeed?: number;
  type?: GgmlType;
  shape?: Partial<LlamaShape>;
  name?: string;
  extraMetadata?: GgufMetadata;
  /** Tied embeddings: no output.weight (as Qwen2.5 0.5B–3B, Llama 3.2 1B/3B and Gemma ship). */
  tied?: boolean;
}

/** The float32 values of tensor `index` of a model made with these options (before encoding). */
export function modelTensorValues(o: ModelOptions, index: number, count: number): Float32Array {
  const own = (s: number) => randomTensor(count, s * 1000 + index, 0.5);
  return o.baseSeed === undefined ? own(o.seed) : fineTune(own(o.baseSeed), o.seed * 7919 + index, 0.05);
}

export async function makeModel(file: string, o: ModelOptions): Promise<string> {
  const shape = { ...SHAPE, ...o.shape };
  const type = o.type ?? GgmlType.F32;
  const all = llamaTensors(shape, { embedding: type, matrix: type, output: type });
  const tensors = o.tied ? all.filter((t) => t.name !== "output.weight") : all;
  const metadata = llamaMetadata(o.name ?? path.basename(file, ".gguf"), shape, byteTokenizerMetadata(shape.vocabSize));
  for (const [k, v] of o.extraMetadata ?? []) metadata.set(k, v);
  await writeGguf({
    out: file,
    metadata,
    tensors,
    data: (t, i) =>
      quantize(
        t.type,
        modelTensorValues(
          o,
          i,
          t.dims.reduce((a, b) => a * b, 1),
        ),
      ),
  });
  return file;
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), "chorus-merge-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every tensor of a GGUF file decoded to float32, by name. */
export async function readAllTensors(file: string): Promise<Map<string, Float32Array>> {
  const r = await GgufReader.open(file);
  try {
    const out = new Map<string, Float32Array>();
    for (const t of r.tensors) out.set(t.name, await r.readTensorFloat32(t));
    return out;
  } finally {
    await r.close();
  }
}

/** readAllTensors of each file, as a tuple of the same length. */
export async function readEach<T extends readonly string[]>(files: readonly [...T]): Promise<{ [K in keyof T]: Map<string, Float32Array> }> {
  return (await Promise.all(files.map(readAllTensors))) as { [K in keyof T]: Map<string, Float32Array> };
}
