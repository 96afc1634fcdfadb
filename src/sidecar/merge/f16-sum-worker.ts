// Runs an F16SumArena's kernel calls on a worker thread. The merge issues every read and write from the main
// thread's event loop; with the kernel there (about 2 ms a chunk) no new read or write was issued while it ran,
// so merging and I/O took turns instead of overlapping. On the worker, the main thread keeps the disk busy while
// another core sums. The worker shares the arena's memory, so no chunk is copied: a message carries only the
// kernel call's addresses.
import { Worker } from "node:worker_threads";
import { kernelModule, type F16SumArena, type KernelCall } from "./f16-weighted-sum";

/**
 * The worker's whole program, evaluated as CommonJS (so the bundles need no separate worker file). It mirrors
 * runKernel() in f16-weighted-sum.ts.
 */
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
const kernel = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory } }).exports;
parentPort.on("message", ({ id, call: c }) => {
  try {
    if (c.k === 2) kernel.weightedSum2(c.ptrs, c.coefs, c.out, c.n);
    else kernel.weightedSum(c.ptrs, c.coefs, c.k, c.out, c.n);
    parentPort.postMessage({ id });
  } catch (e) {
    parentPort.postMessage({ id, error: String(e && e.message || e) });
  }
});
`;

interface Reply {
  id: number;
  error?: string;
}

interface Pending {
  resolve: () => void;
  reject: (e: Error) => void;
}

/** Below this a sum runs on the calling thread: the message round trip would cost about as much as the sum. */
const MIN_WORKER_BYTES = 64 << 10;

export class F16SumWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(private readonly arena: F16SumArena) {
    this.worker = new Worker(workerSource, { eval: true, workerData: { module: kernelModule(), memory: arena.memory } });
    // Only a pending sum keeps the process alive, so a merger that is never closed cannot hang it.
    this.worker.unref();
    this.worker.on("message", (r: Reply) => this.settle(r));
    this.worker.on("error", (e) => this.fail(e));
    this.worker.on("exit", (code) => this.fail(new Error(`the F16 merge worker stopped (exit code ${code})`)));
  }

  /** Like F16SumArena.sum(), on the worker; the slot must not be touched until the promise settles. */
  sum(slot: number, bytes: number, coefficients: readonly number[]): Promise<Uint8Array> {
    if (bytes < MIN_WORKER_BYTES) return Promise.resolve(this.arena.sum(slot, bytes, coefficients));
    if (this.failure) return Promise.reject(this.failure);
    const call: KernelCall = this.arena.prepare(slot, bytes, coefficients);
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ id, call });
    }).then(() => this.arena.outputView(slot, bytes));
  }

  async close(): Promise<void> {
    this.fail(new Error("the F16 merge worker was closed"));
    await this.worker.terminate();
  }

  private settle(r: Reply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (this.pending.size === 0) this.worker.unref();
    if (r.error === undefined) p.resolve();
    else p.reject(new Error(`the F16 merge kernel failed: ${r.error}`));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
    this.worker.unref();
  }
}
