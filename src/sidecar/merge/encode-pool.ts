// Encodes merged chunks on worker threads. Writing k-quants is CPU-bound (llama.cpp's reference search, which the
// encoders reproduce so the blocks are byte-identical: bench/merge-kquant-results.md), and each chunk's blocks are
// independent, so chunks encode in parallel, one worker per core. The caller keeps the order: it awaits chunks in
// the order it wrote them (tensor-merger.ts), however the workers finish. A chunk's floats are moved to the
// worker and its bytes moved back (transferred, not copied).
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { findEntry } from "../isolate/entry-path";
import { GgmlType } from "../gguf/types";
import type { EncodeReply, EncodeRequest, EncodeValues, MergeLinear } from "./encode-worker";

export const ENCODE_WORKER_BUNDLE = "chorus-encode-worker.js";

/** Types whose encoding costs far more than a message round trip (F32, F16, BF16 and Q8_0 stay on the caller's thread). */
const SLOW_TO_ENCODE = new Set<GgmlType>([GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1]);

export function worthAWorker(type: GgmlType): boolean {
  return SLOW_TO_ENCODE.has(type);
}

/** Default pool size: one worker per core, at most 8 (each holds a chunk or two of a few MB). */
export function defaultEncodeThreads(cores = availableParallelism()): number {
  return Math.max(1, Math.min(8, cores));
}

interface Pending {
  resolve: (bytes: Uint8Array) => void;
  reject: (e: Error) => void;
}

class EncodeWorker {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();

  constructor(entry: string, onFailure: (w: EncodeWorker, e: Error) => void) {
    this.worker = entry.endsWith(".ts")
      ? // From source (tests, a checkout): tsx's CommonJS hook in the worker, then the TypeScript file.
        new Worker(`require(${JSON.stringify(require.resolve("tsx/cjs/api"))}).register(); require(${JSON.stringify(entry)});`, { eval: true })
      : new Worker(entry);
    this.worker.unref(); // only a pending chunk keeps the process alive
    this.worker.on("message", (r: EncodeReply) => this.settle(r));
    this.worker.on("error", (e) => onFailure(this, e));
    this.worker.on("exit", (code) => onFailure(this, new Error(`an encoding worker stopped (exit code ${code})`)));
  }

  send(request: EncodeRequest, p: Pending): void {
    this.pending.set(request.id, p);
    this.worker.ref();
    const arrays = "values" in request ? [request.values] : request.inputs.map((i) => i.bytes);
    // Moved, not copied, when an array owns its whole buffer (merged chunks and read rows do); otherwise cloned.
    const owned = arrays.filter((a) => !(a.buffer instanceof SharedArrayBuffer) && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength);
    this.worker.postMessage(request, [...new Set(owned.map((a) => a.buffer as ArrayBuffer))]);
  }

  private settle(r: EncodeReply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (this.pending.size === 0) this.worker.unref();
    if ("error" in r) p.reject(new Error(`encoding a chunk failed: ${r.error}`));
    else p.resolve(new Uint8Array(r.buffer, r.offset, r.length));
  }
}

export class EncodePool {
  private readonly workers: EncodeWorker[] = [];
  private nextId = 0;
  private failure: Error | undefined;

  private constructor(
    private readonly entry: string,
    readonly size: number,
  ) {}

  /** A pool of `size` workers (started on first use), or undefined when `size` < 1 or the worker's file is missing. */
  static create(size: number): EncodePool | undefined {
    if (!(size >= 1)) return undefined;
    const entry = findEntry(ENCODE_WORKER_BUNDLE, typeof __dirname === "string" ? join(__dirname, "encode-worker.ts") : undefined);
    return entry ? new EncodePool(entry, Math.floor(size)) : undefined;
  }

  /** `values` encoded as `type` on the least busy worker. `values` is moved there: the caller must not use it again. */
  encode(type: GgmlType, values: Float32Array): Promise<Uint8Array> {
    return this.submit({ type, values });
  }

  /** A linear merge of stored rows, encoded as `type`, all on a worker. The inputs' bytes are moved there. */
  mergeLinear(request: Omit<MergeLinear, "id">): Promise<Uint8Array> {
    return this.submit(request);
  }

  private submit(request: Omit<EncodeValues, "id"> | Omit<MergeLinear, "id">): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    const worker = this.leastBusy();
    const id = this.nextId++;
    return new Promise((resolve, reject) => worker.send({ ...request, id } as EncodeRequest, { resolve, reject }));
  }

  async close(): Promise<void> {
    this.fail(new Error("the encoding pool was closed"));
    await Promise.all(this.workers.splice(0).map((w) => w.worker.terminate()));
  }

  private leastBusy(): EncodeWorker {
    if (this.workers.length < this.size) {
      const w = new EncodeWorker(this.entry, (_, e) => this.fail(e));
      this.workers.push(w);
      return w;
    }
    return this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.workers) {
      for (const p of w.pending.values()) p.reject(this.failure);
      w.pending.clear();
      w.worker.unref();
    }
  }
}
