// Produces one output tensor's bytes, chunk by chunk, for the GGUF writer. Three things keep it fast and flat:
// element-wise methods get a large tensor in row chunks (memory independent of tensor size); the next chunk's
// reads are in flight while this one is merged; and a chunk is merged on the next turn of the event loop after
// the previous one is handed over, so merging overlaps the writer's disk write instead of waiting for it.
import { dequantize } from "../gguf/codecs/index";
import { GgufReader } from "../gguf/reader";
import { GgmlType, type GgufTensorInfo } from "../gguf/types";
import type { GgufTensorSpec } from "../gguf/writer";
import { encodeTensor } from "./f16-encode";
import { weightedSumF16 } from "./fused-f16";
import type { MergeMethod } from "./methods";
import { TensorParams, tensorPosition } from "./params";
import type { MergePlan } from "./plan";
import { tensorRng } from "./rng";

interface Chunk {
  /** Raw bytes of each input (base first when there is one). */
  bytes: Buffer[];
  infos: GgufTensorInfo[];
}

export class TensorMerger {
  private readonly inputs: GgufReader[];

  constructor(
    private readonly plan: MergePlan,
    private readonly method: MergeMethod,
    private readonly base: GgufReader | undefined,
    private readonly models: GgufReader[],
    private readonly blocks: number,
    private readonly chunkValues: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.inputs = base ? [base, ...models] : models;
  }

  async *encodedChunks(spec: GgufTensorSpec, onValues: (n: number) => void): AsyncGenerator<Uint8Array> {
    const infos = this.inputs.map((r) => r.requireTensor(spec.name));
    const { rowLength, rowCount } = GgufReader.rows(infos[0]!);
    const rowsPerChunk = this.method.chunkable ? Math.max(1, Math.floor(this.chunkValues / rowLength)) : rowCount;
    const params = new TensorParams(this.plan.parameters, this.plan.models.map((m) => m.parameters), tensorPosition(spec.name, this.blocks));
    const read = (rowStart: number): Promise<Chunk> => {
      const rows = Math.min(rowsPerChunk, rowCount - rowStart);
      const p = Promise.all(this.inputs.map((r, i) => r.readTensorBytes(infos[i]!, rowStart, rows))).then((bytes) => ({ bytes, infos }));
      // A cancel can abandon a prefetched read; mark it handled so it cannot become an unhandled rejection.
      p.catch(() => undefined);
      return p;
    };
    const merged = (chunk: Promise<Chunk>): Promise<Uint8Array> => {
      const p = chunk.then(
        (c) =>
          new Promise<Uint8Array>((resolve, reject) =>
            setImmediate(() => {
              try {
                this.signal?.throwIfAborted();
                resolve(this.mergeChunk(spec, rowLength, params, c));
              } catch (e) {
                reject(e instanceof Error ? e : new Error(String(e)));
              }
            }),
          ),
      );
      p.catch(() => undefined);
      return p;
    };
    let pendingRead = read(0);
    let pendingMerge = merged(pendingRead);
    for (let rowStart = 0; rowStart < rowCount; rowStart += rowsPerChunk) {
      const next = rowStart + rowsPerChunk;
      if (next < rowCount) pendingRead = read(next);
      const out = await pendingMerge;
      if (next < rowCount) pendingMerge = merged(pendingRead);
      onValues(Math.min(rowsPerChunk, rowCount - rowStart) * rowLength);
      yield out;
    }
  }

  private mergeChunk(spec: GgufTensorSpec, rowLength: number, params: TensorParams, c: Chunk): Uint8Array {
    const coefficients = this.method.linearCoefficients?.(params, this.models.length);
    if (coefficients && spec.type === GgmlType.F16 && c.infos.every((t) => t.type === GgmlType.F16)) return weightedSumF16(c.bytes, coefficients);
    const values = c.bytes.map((b, i) => {
      const t = c.infos[i]!;
      return dequantize(t.type, b, (b.length / GgufReader.rows(t).rowBytes) * rowLength);
    });
    const result = this.method.merge({
      name: spec.name,
      rowLength,
      models: this.base ? values.slice(1) : values,
      base: this.base ? values[0] : undefined,
      params,
      rng: (i) => tensorRng(this.plan.seed, spec.name, i),
    });
    return encodeTensor(spec.type, result);
  }
}
