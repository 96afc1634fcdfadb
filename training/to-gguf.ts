// Turns an exported checkpoint (training/export.py: float32 safetensors with GGUF tensor names, and its JSON) into
// the Q8_0 GGUF that Chorus ships in models/demo/, with the project's own GGUF writer and Q8_0 encoder.
//
//   npx tsx training/to-gguf.ts <export folder> <model name> <out.gguf>
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { quantize } from "../src/sidecar/gguf/codecs/index";
import { meta } from "../src/sidecar/gguf/metadata";
import { GgmlType, type GgufMetadata } from "../src/sidecar/gguf/types";
import { writeGguf, type GgufTensorSpec } from "../src/sidecar/gguf/writer";
import { byteTokenizerMetadata, BASE_VOCAB } from "../src/sidecar/testmodels/byte-vocab";
import { checkShape, llamaMetadata, llamaTensors, type LlamaShape } from "../src/sidecar/testmodels/llama-arch";

interface ExportInfo {
  name: string;
  step: number;
  shape: { dim: number; layers: number; heads: number; ffn: number; context: number; rms_eps: number };
  recipe: { about: string };
}

interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** The float32 tensors of a safetensors file, by name (the file is small: a few MB). */
function readSafetensors(path: string): Map<string, { shape: number[]; values: Float32Array }> {
  const file = readFileSync(path);
  const headerLength = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + headerLength).toString("utf8")) as Record<string, SafetensorsEntry>;
  const base = 8 + headerLength;
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const [name, e] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    if (e.dtype !== "F32") throw new Error(`${path}: tensor ${name} is ${e.dtype}; export.py writes F32 only`);
    const bytes = file.subarray(base + e.data_offsets[0], base + e.data_offsets[1]);
    out.set(name, { shape: e.shape, values: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) });
  }
  return out;
}

async function main(): Promise<void> {
  const [folder, name, out] = process.argv.slice(2);
  if (!folder || !name || !out) throw new Error("usage: tsx training/to-gguf.ts <export folder> <model name> <out.gguf>");
  const info = JSON.parse(readFileSync(join(folder, `${name}.json`), "utf8")) as ExportInfo;
  const weights = readSafetensors(join(folder, `${name}.safetensors`));
  const s = info.shape;
  const shape: LlamaShape = {
    dim: s.dim,
    layers: s.layers,
    heads: s.heads,
    kvHeads: s.heads,
    ffn: s.ffn,
    vocabSize: BASE_VOCAB,
    contextLength: s.context,
    rmsEps: s.rms_eps,
  };
  checkShape(shape);
  const extra: GgufMetadata = byteTokenizerMetadata(BASE_VOCAB);
  extra.set("general.description", meta.str(`A small demo model trained by Chorus (training/): ${info.recipe.about}`));
  extra.set("chorus.trained.recipe", meta.str(JSON.stringify(info.recipe)));
  extra.set("chorus.trained.steps", meta.u32(info.step));
  const metadata = llamaMetadata(`chorus demo ${name}`, shape, extra);
  const tensors: GgufTensorSpec[] = llamaTensors(shape, { embedding: GgmlType.Q8_0, matrix: GgmlType.Q8_0, output: GgmlType.Q8_0 });
  const data = (t: GgufTensorSpec): Uint8Array => {
    const w = weights.get(t.name);
    if (!w) throw new Error(`${name}.safetensors has no tensor ${t.name}`);
    const expected = t.dims.reduce((a, b) => a * b, 1);
    if (w.values.length !== expected) throw new Error(`${t.name}: ${w.values.length} values, the GGUF shape [${t.dims.join(", ")}] needs ${expected}`);
    return quantize(t.type, w.values);
  };
  const written = await writeGguf({ out, metadata, tensors, data });
  console.log(`${written.path}: ${(written.bytes / 1e6).toFixed(2)} MB`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
