// Produces one output tensor's bytes, chunk by chunk, for the GGUF writer. Element-wise methods get a large
// tensor in row chunks, so memory does not depend on tensor size; a few chunks are in flight at once (being
// read, being merged) while the writer writes the oldest, so reading (on libuv's threads), merging and writing
// overlap. The fused F16 path reads straight into the WebAssembly kernel's memory and the writer writes straight
// from it, through a ring of slots: one per chunk in flight plus the one being written; the kernel runs on a
// worker thread (F16SumWorker), so the main thread keeps issuing reads and writes while it sums. Chunks written
// as k-quants are encoded on a pool of worker threads (EncodePool), as many chunks in flight as workers plus one;
// the writer still takes them in order, since it awaits the oldest chunk first.
import { GgufReader } from "../gguf/reader";
import { GgmlType } from "../gguf/types";
import type { GgufTensorSpec } from "../gguf/writer";
import { encodeTensor } from "./f16-encode";
import { worthAWorker, type EncodePool } from "./encode-pool";
import { F16SumWorker } from "./f16-sum-worker";
import { F16SumArena } from "./f16-weighted-sum";
import { readInputRows, type TensorLayout } from "./merge-layout";
import type { MergeMethod, TensorJob } from "./methods";
import { TensorParams, tensorPosition } from "./params";
import type { MergePlan } from "./plan";
import { tensorRng } from "./rng";

/** One expert of an `_exps` tensor, or the whole tensor: its rows [first, first + rows), and the name its draws use. */
interface Part {
  name: string;
  first: number;
  rows: number;
}

/** Adds `offset` to every value in place (Gemma's stored norm offset); returns the array. */
function addOffset(values: Float32Array, offset: number): Float32Array {
  if (offset !== 0) for (let i = 0; i < values.length; i++) values[i]! += offset;
  return values;
}

/** Chunks being read or merged while the writer writes another. */
const DEPTH = 2;

export class TensorMerger {
  private readonly inputs: GgufReader[];
  private arena: F16SumArena | undefined;
  private worker: F16SumWorker | undefined;

  constructor(
    private readonly plan: MergePlan,
    private readonly method: MergeMethod,
    private readonly base: GgufReader | undefined,
    private readonly models: GgufReader[],
    private readonly blocks: number,
    private readonly arch: string,
    private readonly chunkValues: number,
    private readonly signal: AbortSignal | undefined,
    private readonly pool?: EncodePool,
  ) {
    this.inputs = base ? [base, ...models] : models;
  }

  /** The output tensor's bytes; an `_exps` tensor one expert after another (each a tensor of its own to the method). */
  async *encodedChunks(spec: GgufTensorSpec, layout: TensorLayout, onValues: (n: number) => void): AsyncGenerator<Uint8Array> {
    const rowsPerPart = layout.rowCount / layout.parts;
    for (let part = 0; part < layout.parts; part++) {
      const name = layout.parts > 1 ? `${spec.name}#expert${part}` : spec.name;
      yield* this.partChunks(spec, layout, { name, first: part * rowsPerPart, rows: rowsPerPart }, onValues);
    }
  }

  private async *partChunks(spec: GgufTensorSpec, layout: TensorLayout, part: Part, onValues: (n: number) => void): AsyncGenerator<Uint8Array> {
    const { rowLength } = layout;
    const rowCount = part.rows;
    const streaming = this.method.streaming;
    const chunked = this.method.chunkable || streaming;
    let rowsPerChunk = chunked ? Math.max(1, Math.floor(this.chunkValues / rowLength)) : rowCount;
    const params = new TensorParams(
      this.plan.parameters,
      this.plan.models.map((m) => m.parameters),
      tensorPosition(spec.name, this.blocks, this.arch),
    );
    const coefficients = this.method.linearCoefficients?.(params, this.models.length);
    // A linear sum of rows each input stores itself (no rows borrowed from another model, no stored offset) can
    // work on the stored bytes: summed in place when everything is F16, else done whole on a worker (decode, sum,
    // encode) when the output is encoded there, so that work spreads over the cores.
    const plainLinear = coefficients !== undefined && layout.storedOffset === 0 && layout.inputs.every((input) => !input.fallback);
    const fused = plainLinear && spec.type === GgmlType.F16 && layout.inputs.every((input) => input.info.type === GgmlType.F16);
    const pooled = !fused && this.pool !== undefined && worthAWorker(spec.type);
    const onWorkers = pooled && plainLinear;
    // Enough chunks in flight to keep every worker busy while the writer writes the oldest.
    const depth = pooled ? Math.max(DEPTH, this.pool!.size + 1) : DEPTH;
    // A tensor smaller than workers × chunk is cut finer so that every worker gets a share (chunking does not change
    // what an element-wise method computes: each value's position and draws count from the start of the part).
    if (pooled && chunked) rowsPerChunk = Math.min(rowsPerChunk, Math.max(1, Math.ceil(rowCount / this.pool!.size)));
    const readRows = (rowStart: number) =>
      Promise.all(layout.inputs.map((input) => readInputRows(input, rowLength, part.first + rowStart, Math.min(rowsPerChunk, rowCount - rowStart))));
    // Statistics first (passes over the chunks) when the method needs whole-tensor figures and the tensor is
    // larger than one chunk; a tensor that fits in one chunk is merged whole.
    let stats: Float64Array | undefined;
    if (streaming && rowCount > rowsPerChunk) {
      stats = streaming.newStats(this.models.length);
      for (let pass = 0; pass < (streaming.passes ?? 1); pass++) {
        for (let rowStart = 0; rowStart < rowCount; rowStart += rowsPerChunk) {
          this.signal?.throwIfAborted();
          streaming.accumulate(this.job(part.name, layout, rowStart, params, await readRows(rowStart)), stats, pass);
        }
        streaming.finishPass?.(stats, pass, params, this.models.length, rowCount * rowLength);
      }
    }
    const merge = async (rowStart: number, slot: number): Promise<Uint8Array> => {
      if (fused) return this.fusedChunk(layout, part.first + rowStart, Math.min(rowsPerChunk, rowCount - rowStart), slot, coefficients);
      if (onWorkers) return this.chunkOnWorker(spec, layout, part.first + rowStart, Math.min(rowsPerChunk, rowCount - rowStart), coefficients!);
      const values = await readRows(rowStart);
      // Merge on a later turn of the event loop, so that the writer's pending write proceeds meanwhile.
      await new Promise((resolve) => setImmediate(resolve));
      this.signal?.throwIfAborted();
      const job = this.job(part.name, layout, rowStart, params, values);
      const merged = addOffset(stats && streaming ? streaming.mergeWithStats(job, stats) : this.method.merge(job), layout.storedOffset);
      return pooled ? this.pool!.encode(spec.type, merged) : encodeTensor(spec.type, merged);
    };
    if (fused) {
      // Resized only here, between tensors, when no chunk of the arena is in use.
      this.arena ??= new F16SumArena(this.inputs.length, DEPTH + 1);
      this.worker ??= new F16SumWorker(this.arena);
      this.arena.reserve(Math.min(rowsPerChunk, rowCount) * rowLength * 2);
    }
    const inFlight: Promise<Uint8Array>[] = [];
    let nextRow = 0;
    let launched = 0;
    const launch = () => {
      // Slot i % (DEPTH + 1): by the time chunk i + DEPTH + 1 is launched, chunk i has been written.
      const p = merge(nextRow, launched++ % (DEPTH + 1));
      // A cancel can abandon chunks in flight; mark them handled so none becomes an unhandled rejection.
      p.catch(() => undefined);
      inFlight.push(p);
      nextRow += rowsPerChunk;
    };
    while (inFlight.length < depth && nextRow < rowCount) launch();
    for (let rowStart = 0; rowStart < rowCount; rowStart += rowsPerChunk) {
      const out = await inFlight.shift()!;
      if (nextRow < rowCount) launch();
      onValues(Math.min(rowsPerChunk, rowCount - rowStart) * rowLength);
      yield out;
    }
  }

  /** Rows of an all-F16 tensor read into an arena slot and summed there; the result is a view into the slot. */
  private async fusedChunk(layout: TensorLayout, rowStart: number, rows: number, slot: number, coefficients: number[]): Promise<Uint8Array> {
    const arena = this.arena!;
    const bytes = rows * GgufReader.rows(layout.inputs[0]!.info).rowBytes;
    await Promise.all(layout.inputs.map(({ reader, info }, i) => reader.readTensorBytesInto(info, rowStart, rows, arena.inputView(slot, i, bytes))));
    this.signal?.throwIfAborted();
    return this.worker!.sum(slot, bytes, coefficients);
  }

  /** Rows of every input read as stored and handed to a worker, which decodes, sums and encodes them. */
  private async chunkOnWorker(spec: GgufTensorSpec, layout: TensorLayout, rowStart: number, rows: number, coefficients: number[]): Promise<Uint8Array> {
    const inputs = await Promise.all(
      layout.inputs.map(async ({ reader, info }) => ({ type: info.type, bytes: await reader.readTensorBytes(info, rowStart, rows) })),
    );
    this.signal?.throwIfAborted();
    return this.pool!.mergeLinear({ type: spec.type, inputs, coefficients, count: rows * layout.rowLength });
  }

  /** Stops the kernel's worker thread, if one was started. */
  async close(): Promise<void> {
    await this.worker?.close();
    this.worker = undefined;
  }

  /**
   * A chunk's values as the method merges them: offsets of the stored values removed, positions and draws counted
   * from the start of the part (`rowStart` is relative to it).
   */
  private job(name: string, layout: TensorLayout, rowStart: number, params: TensorParams, values: Float32Array[]): TensorJob {
    if (layout.storedOffset !== 0) for (const v of values) addOffset(v, -layout.storedOffset);
    const offset = rowStart * layout.rowLength;
    return {
      name: layout.name,
      rowLength: layout.rowLength,
      models: this.base ? values.slice(1) : values,
      base: this.base ? values[0] : undefined,
      params,
      offset,
      rng: (i) => tensorRng(this.plan.seed, name, i, offset),
    };
  }
}
