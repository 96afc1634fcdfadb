// The merge driver: opens every input, checks they can be merged, then streams the output tensor by tensor —
// each tensor is decoded to float32 from every input, merged, encoded and written before the next is read, and
// element-wise methods take large tensors in row chunks, so memory stays flat however big the models are.
// Output goes through writeGguf (temp file + rename; inputs refused as output; nothing left on error or cancel).
import { statfs } from "node:fs/promises";
import * as path from "node:path";
import { canDequantize } from "../gguf/codecs/index";
import { GgufReader } from "../gguf/reader";
import { GgufError, ggmlTypeName } from "../gguf/types";
import { writeGguf, type GgufTensorSpec, type WriteGgufResult } from "../gguf/writer";
import { blockCount, checkMergeable, MergeCompatError } from "./compat";
import { methodByName } from "./methods";
import { mergedMetadata, outputTensorSpecs } from "./output-layout";
import type { MergePlan } from "./plan";
import { planInputs } from "./plan";
import { TensorMerger } from "./tensor-merger";
import { verifyMergedFile } from "./verify-output";

export interface MergeProgress {
  tensorsDone: number;
  tensorsTotal: number;
  /** Values merged so far / in all, for a smooth progress bar. */
  valuesDone: number;
  valuesTotal: number;
  tensor: string;
}

export interface RunMergeOptions {
  plan: MergePlan;
  out: string;
  signal?: AbortSignal;
  onProgress?: (p: MergeProgress) => void;
  /** Values per chunk when a method can take a tensor in row chunks (default 1M: 4 MB of float32 per input). */
  chunkValues?: number;
}

export interface MergeResult {
  path: string;
  bytes: number;
  tensors: number;
  seconds: number;
}

async function openAll(files: string[]): Promise<GgufReader[]> {
  const readers: GgufReader[] = [];
  try {
    for (const f of files) readers.push(await GgufReader.open(f));
    return readers;
  } catch (e) {
    await Promise.all(readers.map((r) => r.close()));
    throw e;
  }
}

function checkDecodable(readers: GgufReader[]): void {
  for (const r of readers)
    for (const t of r.tensors)
      if (!canDequantize(t.type))
        throw new MergeCompatError(`${path.basename(r.path)}: tensor ${t.name} is ${ggmlTypeName(t.type)}, which Chorus cannot decode; requantize it (e.g. to Q8_0 or Q4_K) first`);
}

async function checkFreeSpace(out: string, bytes: number): Promise<void> {
  let free: number;
  try {
    const s = await statfs(path.dirname(path.resolve(out)));
    free = s.bavail * s.bsize;
  } catch {
    return; // no statfs here (or the folder is missing, which the writer reports): rely on the write itself
  }
  if (free < bytes)
    throw new GgufError(`not enough disk space: the merged model needs ${(bytes / 1e9).toFixed(2)} GB and ${path.dirname(path.resolve(out))} has ${(free / 1e9).toFixed(2)} GB free; free space or choose another output folder`);
}

function estimateBytes(specs: GgufTensorSpec[]): number {
  const per: Record<string, number> = { F32: 4, F16: 2, BF16: 2, Q8_0: 34 / 32 };
  return specs.reduce((s, t) => s + t.dims.reduce((a, b) => a * b, 1) * (per[ggmlTypeName(t.type)] ?? 4), 0) + (1 << 20);
}

export async function runMerge(o: RunMergeOptions): Promise<MergeResult> {
  const started = performance.now();
  const { plan } = o;
  const method = methodByName(plan.method);
  if (!method) throw new MergeCompatError(`unknown merge method ${plan.method}`);
  const files = planInputs(plan);
  const readers = await openAll(files);
  try {
    checkMergeable(readers.map((r) => ({ file: r.path, header: r.header })));
    checkDecodable(readers);
    const baseReader = plan.base ? readers[0] : undefined;
    const modelReaders = plan.base ? readers.slice(1) : readers;
    const ref = readers[0]!;
    const specs = outputTensorSpecs(plan.dtype, ref.tensors);
    await checkFreeSpace(o.out, estimateBytes(specs));
    const metadata = mergedMetadata(plan, ref.metadata, readers.map((r) => ({ file: r.path, metadata: r.metadata })));
    const blocks = blockCount(ref.header);
    const valuesTotal = ref.tensors.reduce((s, t) => s + t.dims.reduce((a, b) => a * b, 1), 0);
    const progress = { valuesDone: 0, tensorsDone: 0 };
    const merger = new TensorMerger(plan, method, baseReader, modelReaders, blocks, o.chunkValues ?? 1 << 20, o.signal);
    let result: WriteGgufResult;
    try {
      result = await writeGguf({
        out: o.out,
        metadata,
        tensors: specs,
        inputs: files,
        signal: o.signal,
        data: (spec) => merger.encodedChunks(spec, (values) => {
          progress.valuesDone += values;
          o.onProgress?.({ tensorsDone: progress.tensorsDone, tensorsTotal: specs.length, valuesDone: progress.valuesDone, valuesTotal, tensor: spec.name });
        }),
        onProgress: (done) => (progress.tensorsDone = done),
        // llama.cpp must be able to load what is written: checked on the temp file, before the rename.
        verify: (tmp) => verifyMergedFile(tmp),
      });
    } finally {
      await merger.close();
    }
    return { path: result.path, bytes: result.bytes, tensors: specs.length, seconds: (performance.now() - started) / 1000 };
  } finally {
    await Promise.all(readers.map((r) => r.close()));
  }
}
