// `chorus bench merge`: how fast a merge streams compared with merely reading the same inputs and writing an
// output of the same size (the floor no merge can beat), and how much memory it needs. Two llama-shaped models
// (F16, or Q4_K_M laid out as llama-quantize lays it out) are generated with the project's GGUF writer into a temp
// folder and deleted afterwards. A smaller pair is merged too, so that "memory does not grow with model size" is a
// measured comparison, not a claim. With Q4_K_M the k-quant encoders' own speed is measured as well.
import { mkdtempSync, rmSync } from "node:fs";
import { open, statfs, unlink } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { GgufReader } from "../sidecar/gguf/reader";
import { quantize } from "../sidecar/gguf/codecs/index";
import { GgmlType, blockLayout, ggmlTypeName, tensorByteSize } from "../sidecar/gguf/types";
import { writeGguf, type GgufTensorSpec } from "../sidecar/gguf/writer";
import { outputTensorSpecs } from "../sidecar/merge/output-layout";
import { planFromFlags } from "../sidecar/merge/plan-from-flags";
import { mixModel, mixTypes } from "../sidecar/merge/quant-mix";
import { runMerge } from "../sidecar/merge/run";
import { byteTokenizerMetadata } from "../sidecar/testmodels/byte-vocab";
import { llamaMetadata, llamaTensors, type LlamaShape } from "../sidecar/testmodels/llama-arch";

export type BenchDtype = "f16" | "q4_k_m";

export interface MergeBenchOptions {
  modelMb: number;
  /** The inputs' and the output's type (default f16). */
  dtype?: BenchDtype;
  method?: string;
  dir?: string;
  repeats?: number;
  /** Merge only the large pair (skips the memory comparison with a quarter-size pair). */
  largeOnly?: boolean;
  /**
   * Encoding worker threads to compare (e.g. [0, 2]): on the large pair each repeat merges once with each, in
   * alternating order, so the settings are measured under the same load (paired). Default: the merge's own default.
   */
  encodeThreads?: number[];
  log?: (line: string) => void;
}

/** Bytes per weight, roughly: F16, or Q4_K_M's mix of Q4_K (4.5 bits) with some Q6_K (6.6 bits). */
const BYTES_PER_VALUE: Record<BenchDtype, number> = { f16: 2, q4_k_m: 0.6 };

/** TinyLlama-like widths; the layer count is chosen to reach the requested size. */
export function shapeFor(modelMb: number, dtype: BenchDtype = "f16"): LlamaShape {
  const dim = 2048;
  const ffn = 5632;
  const vocabSize = 32000;
  const perLayer = 4 * dim * dim + 3 * dim * ffn;
  const layers = Math.max(1, Math.ceil((modelMb * 1e6) / BYTES_PER_VALUE[dtype] / perLayer - (2 * dim * vocabSize) / perLayer));
  return { dim, layers, heads: 32, kvHeads: 32, ffn, vocabSize, contextLength: 2048, rmsEps: 1e-5 };
}

/** Random finite F16 values, generated as bits (an xorshift per value), so generation is not the bottleneck. */
function randomF16Bytes(count: number, seed: number): Uint8Array {
  const out = new Uint16Array(count);
  let x = seed | 1;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    // sign, an exponent in 7…14 (|v| between 2⁻⁸ and 1) and a random mantissa
    out[i] = (x & 0x83ff) | ((7 + ((x >>> 16) & 7)) << 10);
  }
  return new Uint8Array(out.buffer);
}

/** Where each k-quant block keeps its fp16 scale(s) (ggml-common.h); random bytes elsewhere are valid quants. */
const SCALE_OFFSETS: Partial<Record<GgmlType, number[]>> = { [GgmlType.Q4_K]: [0, 2], [GgmlType.Q5_K]: [0, 2], [GgmlType.Q6_K]: [208], [GgmlType.Q8_0]: [0] };

/** Random blocks of a quantized type with small, finite fp16 scales (2⁻¹⁰…2⁻⁷), so they decode to weight-like values. */
function randomBlockBytes(type: GgmlType, count: number, seed: number): Uint8Array {
  const { blockSize, typeSize } = blockLayout(type);
  const words = new Uint32Array(Math.ceil(((count / blockSize) * typeSize) / 4));
  let x = seed | 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  const bytes = new Uint8Array(words.buffer, 0, (count / blockSize) * typeSize);
  const offsets = SCALE_OFFSETS[type];
  if (!offsets) throw new Error(`the benchmark cannot generate ${ggmlTypeName(type)} blocks`);
  for (let p = 0; p < bytes.length; p += typeSize)
    for (const o of offsets) {
      bytes[p + o] = bytes[p + o + 2] ?? 0; // a random fp16 mantissa…
      bytes[p + o + 1] = 0x18 + ((bytes[p + o + 1]! >> 6) & 3) * 4; // …with exponent 6…9 (2⁻⁹…2⁻⁶), positive
    }
  return bytes;
}

/** The tensors of a generated model: F16 throughout, or the types llama-quantize picks for Q4_K_M. */
function benchTensors(shape: LlamaShape, dtype: BenchDtype, metadata: ReturnType<typeof llamaMetadata>): GgufTensorSpec[] {
  const f16 = llamaTensors(shape, { embedding: GgmlType.F16, matrix: GgmlType.F16, output: GgmlType.F16 });
  if (dtype === "f16") return f16;
  const types = mixTypes(dtype, f16, mixModel(metadata, f16));
  return f16.map((t) => ({ ...t, type: types.get(t.name) ?? GgmlType.F32 }));
}

export async function generateModel(file: string, shape: LlamaShape, seed: number, dtype: BenchDtype = "f16"): Promise<void> {
  const metadata = llamaMetadata(`bench-${seed}`, shape, byteTokenizerMetadata(shape.vocabSize));
  await writeGguf({
    out: file,
    metadata,
    tensors: benchTensors(shape, dtype, metadata),
    data: async function* (t, i) {
      const count = t.dims.reduce((a, b) => a * b, 1);
      if (t.type === GgmlType.F32) {
        yield new Uint8Array(new Float32Array(count).fill(1).buffer);
        return;
      }
      const rowLength = t.dims[0]!;
      const rowsPerChunk = Math.max(1, Math.floor((4 << 20) / rowLength));
      for (let r = 0; r < count / rowLength; r += rowsPerChunk) {
        const values = Math.min(rowsPerChunk, count / rowLength - r) * rowLength;
        const chunkSeed = seed * 7919 + i * 31 + r;
        yield t.type === GgmlType.F16 ? randomF16Bytes(values, chunkSeed) : randomBlockBytes(t.type, values, chunkSeed);
      }
    },
  });
}

/** float32 MB/s of each k-quant encoder on 4M weight-like values: wall clock and CPU time (the machine may be busy). */
function encoderSpeeds(): Record<string, { wall_mb_per_s: number; cpu_mb_per_s: number }> {
  const values = new Float32Array(1 << 22);
  let x = 12345;
  for (let i = 0; i < values.length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    values[i] = (x / 2 ** 32 - 0.5) * 0.1;
  }
  const out: Record<string, { wall_mb_per_s: number; cpu_mb_per_s: number }> = {};
  for (const type of [GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q8_0]) {
    quantize(type, values.subarray(0, 1 << 16)); // compiled before timing
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    quantize(type, values);
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0).user / 1e6;
    const mb = values.byteLength / 1e6;
    out[ggmlTypeName(type)] = { wall_mb_per_s: round(mb / wall, 2), cpu_mb_per_s: round(mb / cpu, 2) };
  }
  return out;
}

/**
 * The same reads (both inputs, same chunks) and the same write as a merge, with no decoding or arithmetic: the
 * floor no merge can beat. Like the merge's fast path it reads into buffers it reuses (one per input, and a
 * second set so a chunk is read while the previous one is written), so allocation is not counted against either.
 */
async function rawReadWrite(inputs: string[], out: string, specs: GgufTensorSpec[]): Promise<void> {
  const readers = await Promise.all(inputs.map((f) => GgufReader.open(f)));
  const buffers = [0, 1].map(() => readers.map(() => new Uint8Array(0)));
  try {
    await writeGguf({
      out,
      metadata: readers[0]!.metadata,
      tensors: specs,
      data: async function* (spec) {
        const infos = readers.map((r) => r.requireTensor(spec.name));
        const { rowLength, rowCount, rowBytes } = GgufReader.rows(infos[0]!);
        const rowsPerChunk = Math.max(1, Math.floor((1 << 20) / rowLength)); // the merge's default chunk
        const read = (r: number, set: number) => {
          const n = Math.min(rowsPerChunk, rowCount - r);
          return Promise.all(
            readers.map((rd, i) => {
              if (buffers[set]![i]!.byteLength < n * rowBytes) buffers[set]![i] = new Uint8Array(rowsPerChunk * rowBytes);
              return rd.readTensorBytesInto(infos[i]!, r, n, buffers[set]![i]!);
            }),
          );
        };
        let pending = read(0, 0);
        for (let r = 0, set = 0; r < rowCount; r += rowsPerChunk, set ^= 1) {
          const chunks = await pending;
          if (r + rowsPerChunk < rowCount) pending = read(r + rowsPerChunk, set ^ 1);
          yield chunks[0]!;
        }
      },
    });
  } finally {
    await Promise.all(readers.map((r) => r.close()));
  }
}

async function flushToDisk(file: string): Promise<void> {
  const fh = await open(file, "r+");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Wall time, CPU time of the whole process (worker threads included) and peak RSS of one phase. */
async function timed<T>(f: () => Promise<T>): Promise<{ seconds: number; cpuSeconds: number; peakRssMb: number }> {
  let peak = process.memoryUsage.rss();
  const cpu0 = process.cpuUsage();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const t0 = performance.now();
  try {
    await f();
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, process.memoryUsage.rss());
  const cpu = process.cpuUsage(cpu0);
  return { seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMb: peak / 2 ** 20 };
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Per setting: wall and CPU seconds, medians, and the speed-up of each repeat over the first setting's same repeat. */
function encodeThreadFigures(runs: Map<number | undefined, { wall: number[]; cpu: number[]; peak: number }>, inputBytes: number): Record<string, unknown> {
  const first = [...runs.values()][0]!;
  return Object.fromEntries(
    [...runs].map(([threads, r]) => [
      String(threads ?? "default"),
      {
        merge_s: r.wall.map((x) => round(x, 2)),
        merge_cpu_s: r.cpu.map((x) => round(x, 2)),
        merge_mb_per_s_median: round(inputBytes / 1e6 / median(r.wall), 2),
        paired_speedup_vs_first: r.wall.map((x, i) => round(first.wall[i]! / x, 2)),
        peak_rss_mb: round(r.peak, 1),
      },
    ]),
  );
}

export async function benchMerge(o: MergeBenchOptions): Promise<Record<string, unknown>> {
  const log = o.log ?? (() => undefined);
  const method = o.method ?? "linear";
  const repeats = o.repeats ?? 2;
  const dtype = o.dtype ?? "f16";
  const dir = mkdtempSync(path.join(o.dir ?? tmpdir(), "chorus-bench-merge-"));
  try {
    const small = shapeFor(o.modelMb / 4, dtype);
    const big = shapeFor(o.modelMb, dtype);
    const s = await statfs(dir);
    const needed = (big.layers * (4 * 2048 * 2048 + 3 * 2048 * 5632) + 2 * 2048 * 32000) * BYTES_PER_VALUE[dtype] * 3.5 + 1e9;
    if (s.bavail * s.bsize < needed)
      throw new Error(`the benchmark needs about ${(needed / 1e9).toFixed(1)} GB free in ${dir}; use --dir or a smaller --size-mb`);
    const result: Record<string, unknown> = { method, dtype };
    if (dtype !== "f16") {
      log("measuring the k-quant encoders…");
      result.encode = encoderSpeeds();
    }
    const pairs = o.largeOnly
      ? ([["large", big]] as const)
      : ([
          ["small", small],
          ["large", big],
        ] as const);
    for (const [label, shape] of pairs) {
      const inputs = [path.join(dir, `${label}-a.gguf`), path.join(dir, `${label}-b.gguf`)];
      log(`generating two ${label} ${dtype.toUpperCase()} models (${shape.layers} layers)…`);
      for (const [i, f] of inputs.entries()) await generateModel(f, shape, i + 1, dtype);
      // Written back to disk now, so that the kernel's writeback of gigabytes of fresh files does not land in
      // whichever phase happens to run first.
      for (const f of inputs) await flushToDisk(f);
      const reader = await GgufReader.open(inputs[0]!);
      const inputBytes = reader.header.fileSize * inputs.length;
      const specs = outputTensorSpecs(dtype, reader.tensors, reader.metadata);
      const outputBytes = specs.reduce((sum, t) => sum + tensorByteSize(t.type, t.dims), 0);
      await reader.close();
      const plan = planFromFlags({ method, models: method === "linear" ? inputs : inputs.slice(1), base: method === "linear" ? undefined : inputs[0], dtype });
      const out = path.join(dir, `${label}-out.gguf`);
      const raw: number[] = [];
      const rawCpu: number[] = [];
      // Per encode-thread setting ("default" when none is given): wall and CPU seconds of each repeat, peak RSS.
      const settings = label === "large" && o.encodeThreads?.length ? o.encodeThreads : [undefined];
      const runs = new Map(settings.map((t) => [t, { wall: [] as number[], cpu: [] as number[], peak: 0 }]));
      const runRaw = async (r: number) => {
        log(`${label}: raw read+write ${r + 1}/${repeats}…`);
        const r0 = await timed(() => rawReadWrite(inputs, out, specs));
        raw.push(r0.seconds);
        rawCpu.push(r0.cpuSeconds);
        log(`${label}: raw read+write took ${round(r0.seconds, 2)} s`);
        await unlink(out);
      };
      const runMergeOnce = async (r: number, encodeThreads: number | undefined) => {
        const threads = encodeThreads === undefined ? "" : ` with ${encodeThreads} encoding threads`;
        log(`${label}: ${method} merge${threads} ${r + 1}/${repeats}…`);
        const m = await timed(() => runMerge({ plan, out, encodeThreads }));
        const run = runs.get(encodeThreads)!;
        run.wall.push(m.seconds);
        run.cpu.push(m.cpuSeconds);
        run.peak = Math.max(run.peak, m.peakRssMb);
        log(`${label}: merge took ${round(m.seconds, 1)} s (${round(m.cpuSeconds, 1)} CPU s), peak RSS ${round(m.peakRssMb, 1)} MB`);
        await unlink(out);
      };
      // Alternating which goes first, so neither always inherits the other's after-effects (page cache, writeback).
      for (let r = 0; r < repeats; r++) {
        const order = r % 2 === 0 ? settings : [...settings].reverse();
        if (r % 2 === 0) await runRaw(r);
        for (const t of order) await runMergeOnce(r, t);
        if (r % 2 === 1) await runRaw(r);
      }
      // The figures below are the last setting's (the default run when no settings were given).
      const last = runs.get(settings[settings.length - 1])!;
      const merge = last.wall;
      const mergeCpu = last.cpu;
      const peak = Math.max(...[...runs.values()].map((x) => x.peak));
      if (settings.length > 1) result.by_encode_threads = encodeThreadFigures(runs, inputBytes);
      for (const f of inputs) await unlink(f);
      const rawBest = Math.min(...raw);
      const mergeBest = Math.min(...merge);
      if (label === "large") {
        Object.assign(result, {
          throughput_ratio: round(rawBest / mergeBest),
          throughput_ratio_median: round(median(raw) / median(merge)),
          output_tensor_mb: round(outputBytes / 1e6, 1),
          peak_rss_mb: round(peak, 1),
          input_mb: round(inputBytes / 1e6, 1),
          model_mb: round(inputBytes / 2 / 1e6, 1),
          merge_mb_per_s: round(inputBytes / 1e6 / mergeBest, 1),
          merge_mb_per_s_median: round(inputBytes / 1e6 / median(merge), 1),
          raw_mb_per_s: round(inputBytes / 1e6 / rawBest, 1),
          merge_s: merge.map((x) => round(x, 2)),
          raw_s: raw.map((x) => round(x, 2)),
          // CPU seconds (all threads): on a busy machine wall time also counts waiting for a core.
          merge_cpu_s: mergeCpu.map((x) => round(x, 2)),
          raw_cpu_s: rawCpu.map((x) => round(x, 2)),
          load_average_1m: round(loadavg()[0]!, 1),
          cores: availableParallelism(),
        });
      } else {
        Object.assign(result, {
          small_input_mb: round(inputBytes / 1e6, 1),
          small_peak_rss_mb: round(peak, 1),
          small_throughput_ratio: round(rawBest / mergeBest),
        });
      }
    }
    result.process_max_rss_mb = round(process.resourceUsage().maxRSS / 1024, 1);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
