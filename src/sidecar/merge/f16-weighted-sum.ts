// The hot loop of the common merge — a weighted sum of F16 tensors written as F16 (linear and task arithmetic on
// the F16 GGUFs llama.cpp's converter produces) — in a WebAssembly SIMD kernel (kernels/f16-weighted-sum.wat),
// bit-identical to decode → weightedSum → encodeF16 (a test checks). In plain JavaScript this work took about
// 6 ns a value and made merging CPU-bound at a third of the disk's speed.
//
// The kernel works in its own memory, so F16SumArena lays that memory out as a few reusable slots: the merge
// reads input chunks straight into a slot and writes the result straight from it — no copy and no allocation
// per chunk. The memory is shared, so the sums can run on a worker thread (f16-sum-worker.ts).
import { wasmBase64 } from "./kernels/f16-weighted-sum.wasm";

interface KernelExports {
  weightedSum(ptrs: number, coefs: number, k: number, out: number, n: number): void;
  weightedSum2(ptrs: number, coefs: number, out: number, n: number): void;
}

/** One kernel call's arguments (addresses in the arena's memory), ready to run on this thread or a worker's. */
export interface KernelCall {
  ptrs: number;
  coefs: number;
  k: number;
  out: number;
  n: number;
}

let compiled: WebAssembly.Module | undefined;

/** The compiled kernel, compiled synchronously once (it is about a kilobyte). */
export function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(wasmBase64, "base64"));
  return compiled;
}

export function instantiateKernel(memory: WebAssembly.Memory): KernelExports {
  return new WebAssembly.Instance(kernelModule(), { env: { memory } }).exports as unknown as KernelExports;
}

export function runKernel(kernel: KernelExports, c: KernelCall): void {
  if (c.k === 2) kernel.weightedSum2(c.ptrs, c.coefs, c.out, c.n);
  else kernel.weightedSum(c.ptrs, c.coefs, c.k, c.out, c.n);
}

const align16 = (n: number) => (n + 15) & ~15;
const PAGE = 65536;
/** The kernel declares its memory shared with at most this many pages (the wasm32 limit); V8 only reserves them. */
const MAX_PAGES = 65536;

/**
 * `slots` sets of `inputs` input regions and one output region in the kernel's memory. A caller fills a slot's
 * inputs (inputView), runs sum() (or prepare() and runs the call elsewhere, such as on F16SumWorker), and may use
 * the output view until it fills that slot again.
 */
export class F16SumArena {
  /** Shared, so a worker thread can run the kernel over it while this thread reads and writes other slots. */
  readonly memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  private readonly kernel = instantiateKernel(this.memory);
  /** Bytes per region, a multiple of 16 (the two-input kernel steps 8 halves at a time; the tail is zero-padded). */
  private capacity = 0;

  constructor(
    readonly inputs: number,
    readonly slots: number,
  ) {
    if (inputs < 1 || slots < 1) throw new RangeError("an F16 arena needs at least one input and one slot");
  }

  private get headerBytes(): number {
    return align16(4 * this.inputs) + 8 * this.inputs;
  }

  private slotStart(slot: number): number {
    if (slot < 0 || slot >= this.slots) throw new RangeError(`slot ${slot} is outside 0..${this.slots - 1}`);
    return slot * (align16(this.headerBytes) + (this.inputs + 1) * this.capacity);
  }

  /** Room for chunks of up to `bytes` bytes. Growing moves the regions: call it only when no slot is in use. */
  reserve(bytes: number): void {
    const capacity = align16(bytes);
    if (capacity <= this.capacity) return;
    this.capacity = capacity;
    const needed = this.slotStart(this.slots - 1) + align16(this.headerBytes) + (this.inputs + 1) * capacity;
    const have = this.memory.buffer.byteLength;
    if (needed > have) this.memory.grow(Math.ceil((needed - have) / PAGE));
  }

  private regionStart(slot: number, region: number): number {
    return this.slotStart(slot) + align16(this.headerBytes) + region * this.capacity;
  }

  /** Where input `i` of `slot` goes (`bytes` long at most). */
  inputView(slot: number, i: number, bytes: number): Uint8Array {
    if (i < 0 || i >= this.inputs) throw new RangeError(`input ${i} is outside 0..${this.inputs - 1}`);
    if (bytes > this.capacity) throw new RangeError(`${bytes} bytes do not fit the arena's ${this.capacity}-byte regions; reserve() first`);
    return new Uint8Array(this.memory.buffer, this.regionStart(slot, i), bytes);
  }

  /** The first `bytes` bytes of the slot's output region. */
  outputView(slot: number, bytes: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, this.regionStart(slot, this.inputs), bytes);
  }

  /** Writes the slot's header (the inputs' addresses and coefficients) and pads the inputs' tails with zeros. */
  prepare(slot: number, bytes: number, coefficients: readonly number[]): KernelCall {
    if (coefficients.length !== this.inputs) throw new Error(`${this.inputs} inputs but ${coefficients.length} coefficients`);
    if (bytes % 2 !== 0 || bytes > this.capacity) throw new RangeError(`${bytes} bytes is not an F16 chunk that fits the arena`);
    const { buffer } = this.memory;
    const memory = new Uint8Array(buffer);
    const view = new DataView(buffer);
    const padded = align16(bytes);
    const ptrs = this.slotStart(slot);
    const coefs = ptrs + align16(4 * this.inputs);
    for (let i = 0; i < this.inputs; i++) {
      const at = this.regionStart(slot, i);
      view.setUint32(ptrs + 4 * i, at, true);
      view.setFloat64(coefs + 8 * i, coefficients[i]!, true);
      memory.fill(0, at + bytes, at + padded);
    }
    return { ptrs, coefs, k: this.inputs, out: this.regionStart(slot, this.inputs), n: padded / 2 };
  }

  /** Σ cᵢ·inputᵢ over the first `bytes` bytes of the slot's inputs, on this thread; a view of the slot's output. */
  sum(slot: number, bytes: number, coefficients: readonly number[]): Uint8Array {
    runKernel(this.kernel, this.prepare(slot, bytes, coefficients));
    return this.outputView(slot, bytes);
  }
}

/** Σ cᵢ·inputᵢ of F16 bytes (all the same length), as new F16 bytes: the arena for one-off sums. */
export function weightedSumF16(inputs: readonly Uint8Array[], coefficients: readonly number[]): Uint8Array {
  const k = inputs.length;
  if (k === 0 || coefficients.length !== k) throw new Error(`weightedSumF16: ${k} inputs but ${coefficients.length} coefficients`);
  const bytes = inputs[0]!.byteLength;
  if (bytes % 2 !== 0 || inputs.some((b) => b.byteLength !== bytes)) throw new Error("weightedSumF16: inputs must be F16 arrays of one length");
  const arena = new F16SumArena(k, 1);
  arena.reserve(bytes);
  inputs.forEach((b, i) => arena.inputView(0, i, bytes).set(b));
  return arena.sum(0, bytes, coefficients).slice();
}
