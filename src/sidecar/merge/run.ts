// The merge driver: opens every input, checks they can be merged, then streams the output tensor by tensor —
// each tensor is decoded to float32 from every input, merged, encoded and written before the next is read, and
// element-wise methods take large tensors in row chunks, so memory stays flat however big the models are.
// Output goes through writeGguf (temp file + rename; inputs refused as output; nothing left on error or cancel;
// what a killed merge left is removed by the next one: stale-temp-files.ts).
import { statfs } from "node:fs/promises";
import * as path from "node:path";
import { canDequantize } from "../gguf/codecs/index";
import { getString } from "../gguf/metadata";
import { GgufReader } from "../gguf/reader";
import { GgufError, ggmlTypeName, tensorByteSize } from "../gguf/types";
import { writeGguf, type GgufTensorSpec, type WriteGgufResult } from "../gguf/writer";
import { blockCount, checkMergeable, MergeCompatError } from "./compat";
import { methodByName } from "./methods";
import { mergeLayout } from "./merge-layout";
import { mergedMetadata, outputTensorSpecs } from "./output-layout";
import type { MergePlan } from "./plan";
import { planInputs } from "./plan";
import { removeStaleTempFiles } from "./stale-temp-files";
import { TensorMerger } from "./tensor-merger";
import { defaultEncodeThreads, EncodePool, worthAWorker } from "./encode-pool";
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
  /**
   * Proves the written temp file loadable before the rename (default: verifyMergedFile, a test load in llama.cpp in
   * a helper process). Tests of the merge arithmetic on partial fixtures (tensors of a family, not a whole model)
   * replace it; every real merge keeps the default.
   */
  verifyOutput?: (tmp: string) => Promise<void>;
  /** Worker threads that encode k-quant chunks (default one per core; 0 encodes on the calling thread). */
  encodeThreads?: number;
}

export interface MergeResult {
  path: string;
  bytes: number;
  tensors: number;
  seconds: number;
  /** What the merge chose where the inputs differ (e.g. which model's end-of-sequence token the output has). */
  notes?: string[];
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
        throw new MergeCompatError(
          `${path.basename(r.path)}: tensor ${t.name} is ${ggmlTypeName(t.type)}, which Chorus cannot decode; requantize it (e.g. to Q8_0 or Q4_K) first`,
        );
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
    throw new GgufError(
      `not enough disk space: the merged model needs ${(bytes / 1e9).toFixed(2)} GB and ${path.dirname(path.resolve(out))} has ${(free / 1e9).toFixed(2)} GB free; free space or choose another output folder`,
    );
}

function estimateBytes(specs: GgufTensorSpec[]): number {
  return specs.reduce((s, t) => s + tensorByteSize(t.type, t.dims), 0) + (1 << 20);
}

export async function runMerge(o: RunMergeOptions): Promise<MergeResult> {
  const started = performance.now();
  const { plan } = o;
  const method = methodByName(plan.method);
  if (!method) throw new MergeCompatError(`unknown merge method ${plan.method}`);
  const files = planInputs(plan);
  // A merge killed with SIGKILL could not remove its temp file; this one does, if that process is gone.
  await removeStaleTempFiles(o.out);
  const readers = await openAll(files);
  try {
    const source = plan.tokenizerSource ? files.indexOf(plan.tokenizerSource) : 0;
    const { notes, borrowed } = checkMergeable(
      readers.map((r) => ({ file: r.path, header: r.header })),
      source,
    );
    checkDecodable(readers);
    const baseReader = plan.base ? readers[0] : undefined;
    const modelReaders = plan.base ? readers.slice(1) : readers;
    const ref = readers[source]!;
    const layouts = mergeLayout(readers, source, borrowed);
    // The output stores each tensor as the tokenizer source does (its type steers a k-quant mix's float fallbacks).
    const specs = outputTensorSpecs(
      plan.dtype,
      layouts.map((l) => ({ name: l.name, dims: l.dims, type: l.inputs[source]!.info.type })),
      ref.metadata,
    );
    await checkFreeSpace(o.out, estimateBytes(specs));
    const metadata = mergedMetadata(
      plan,
      ref,
      readers.map((r) => ({ file: r.path, metadata: r.metadata })),
    );
    const blocks = blockCount(ref.header);
    const arch = getString(ref.metadata, "general.architecture") ?? "";
    const valuesTotal = layouts.reduce((s, t) => s + t.rowCount * t.rowLength, 0);
    const progress = { valuesDone: 0, tensorsDone: 0 };
    const pool = specs.some((t) => worthAWorker(t.type)) ? EncodePool.create(o.encodeThreads ?? defaultEncodeThreads()) : undefined;
    const merger = new TensorMerger(plan, method, baseReader, modelReaders, blocks, arch, o.chunkValues ?? 1 << 20, o.signal, pool);
    let result: WriteGgufResult;
    try {
      result = await writeGguf({
        out: o.out,
        metadata,
        tensors: specs,
        inputs: files,
        signal: o.signal,
        data: (spec, i) =>
          merger.encodedChunks(spec, layouts[i]!, (values) => {
            progress.valuesDone += values;
            o.onProgress?.({ tensorsDone: progress.tensorsDone, tensorsTotal: specs.length, valuesDone: progress.valuesDone, valuesTotal, tensor: spec.name });
          }),
        onProgress: (done) => (progress.tensorsDone = done),
        // llama.cpp must be able to load what is written: checked on the temp file, before the rename.
        verify: o.verifyOutput ?? ((tmp) => verifyMergedFile(tmp)),
      });
    } finally {
      await Promise.all([merger.close(), pool?.close()]);
    }
    return { path: result.path, bytes: result.bytes, tensors: specs.length, seconds: (performance.now() - started) / 1000, notes };
  } finally {
    await Promise.all(readers.map((r) => r.close()));
  }
}
