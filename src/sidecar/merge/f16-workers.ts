// The hot loop of the common merge — a weighted sum of F16 tensors written as F16 (linear and task arithmetic on
// the F16 GGUFs llama.cpp's converter produces) — done in one pass over the raw bytes (decode through a table,
// combine, round to float32, encode: bit-identical to decode → weightedSum → encodeF16, a test checks), and in
// worker threads, so a merge uses more than one core. Chunks are handed out round-robin and their buffers
// transferred, not copied. Workers run the kernel from its own source text, which is why it may not use
// anything from outside itself.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { f16Table } from "../gguf/codecs/half";

function fusedKernel(inputs: Uint16Array[], coefficients: number[], table: Float32Array): Uint16Array {
  // Two tight passes measured faster than one loop doing both: sum into float32 (which rounds exactly as a
  // Float32Array store does), then encode the float bits.
  const n = inputs[0]!.length;
  const sum = new Float32Array(n);
  const a = inputs[0]!;
  const ca = coefficients[0]!;
  if (inputs.length === 1) {
    for (let j = 0; j < n; j++) sum[j] = ca * table[a[j]!]!;
  } else if (inputs.length === 2) {
    const b = inputs[1]!;
    const cb = coefficients[1]!;
    for (let j = 0; j < n; j++) sum[j] = ca * table[a[j]!]! + cb * table[b[j]!]!;
  } else {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < inputs.length; i++) s += coefficients[i]! * table[inputs[i]![j]!]!;
      sum[j] = s;
    }
  }
  const bits = new Uint32Array(sum.buffer);
  const out = new Uint16Array(n);
  for (let j = 0; j < n; j++) {
    const x = bits[j]!;
    const abs = x & 0x7fffffff;
    if (abs >= 0x38800000 && abs < 0x477ff000) {
      out[j] = ((x >>> 16) & 0x8000) | ((abs - 0x38000000 + 0xfff + ((abs >>> 13) & 1)) >>> 13);
    } else if (abs < 0x38800000) {
      // Subnormal or zero: float32 rounding of |x| + 0.5 is round-to-nearest-even at 2⁻²⁴ (see f16-encode.ts).
      sum[j] = Math.abs(sum[j]!) + 0.5;
      out[j] = ((x >>> 16) & 0x8000) | (bits[j]! - 0x3f000000);
    } else {
      out[j] = ((x >>> 16) & 0x8000) | (abs > 0x7f800000 ? 0x7e00 : 0x7c00);
    }
  }
  return out;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const kernel = ${fusedKernel.toString()};
parentPort.on("message", (m) => {
  const out = kernel(m.inputs.map((b) => new Uint16Array(b)), m.coefficients, workerData.table);
  parentPort.postMessage({ id: m.id, out: out.buffer }, [out.buffer]);
});`;

interface Task {
  resolve: (bytes: Uint8Array) => void;
  reject: (e: Error) => void;
}

/** An ArrayBuffer holding exactly these bytes, to transfer (copied only if the bytes are a view into more). */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  // Not bytes.slice(): on a Buffer that is a view into the same (possibly pooled) memory, not a copy.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

export class F16WorkerPool {
  private readonly workers: Worker[];
  private readonly tasks = new Map<number, Task>();
  private nextId = 0;
  private closed = false;

  /** Default size: the cores this process may use, at most 4 (beyond that the disk is the limit). */
  constructor(readonly size = Math.max(1, Math.min(4, availableParallelism()))) {
    const table = f16Table();
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { table } });
      w.on("message", (m: { id: number; out: ArrayBuffer }) => {
        const t = this.tasks.get(m.id);
        this.tasks.delete(m.id);
        t?.resolve(new Uint8Array(m.out));
      });
      w.on("error", (e) => this.failAll(e));
      return w;
    });
  }

  private failAll(e: Error): void {
    for (const t of this.tasks.values()) t.reject(e);
    this.tasks.clear();
  }

  /** Σ cᵢ·inputᵢ of F16 bytes, as F16 bytes. The input buffers are transferred: do not use them afterwards. */
  weightedSum(inputs: Uint8Array[], coefficients: number[]): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new Error("the merge's worker pool is closed"));
    const id = this.nextId++;
    const buffers = inputs.map(ownBuffer);
    return new Promise((resolve, reject) => {
      this.tasks.set(id, { resolve, reject });
      this.workers[id % this.workers.length]!.postMessage({ id, inputs: buffers, coefficients }, buffers);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new DOMException("the merge stopped", "AbortError"));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** The same kernel on this thread (when workers cannot be started). */
export function weightedSumF16(inputs: Uint8Array[], coefficients: number[]): Uint8Array {
  const halves = inputs.map((b) => new Uint16Array(ownBuffer(b)));
  return new Uint8Array(fusedKernel(halves, coefficients, f16Table()).buffer);
}
