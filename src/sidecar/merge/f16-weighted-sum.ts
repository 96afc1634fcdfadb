// The hot loop of the common merge — a weighted sum of F16 tensors written as F16 (linear and task arithmetic on
// the F16 GGUFs llama.cpp's converter produces) — in a WebAssembly SIMD kernel (kernels/f16-weighted-sum.wat),
// bit-identical to decode → weightedSum → encodeF16 (a test checks). In plain JavaScript this work took about
// 6 ns a value and made merging CPU-bound at a third of the disk's speed.
//
// The kernel works in its own memory, so F16SumArena lays that memory out as a few reusable slots: the merge
// reads input chunks straight into a slot and writes the result straight from it — no copy and no allocation
// per chunk.
import { wasmBase64 } from "./kernels/f16-weighted-sum.wasm";

interface KernelExports {
  memory: WebAssembly.Memory;
  weightedSum(ptrs: number, coefs: number, k: number, out: number, n: number): void;
  weightedSum2(ptrs: number, coefs: number, out: number, n: number): void;
}

let compiled: WebAssembly.Module | undefined;

function newKernel(): KernelExports {
  // Compiled synchronously once (the module is about a kilobyte); each arena has its own instance and memory.
  compiled ??= new WebAssembly.Module(Buffer.from(wasmBase64, "base64"));
  return new WebAssembly.Instance(compiled).exports as unknown as KernelExports;
}

const align16 = (n: number) => (n + 15) & ~15;
const PAGE = 65536;

/**
 * `slots` sets of `inputs` input regions and one output region in the kernel's memory. A caller fills a slot's
 * inputs (inputView), runs sum(), and may use the returned output view until it fills that slot again.
 */
export class F16SumArena {
  private readonly kernel = newKernel();
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

  /** Room for chunks of up to `bytes` bytes. Growing moves the memory: call it only when no view is in use. */
  reserve(bytes: number): void {
    const capacity = align16(bytes);
    if (capacity <= this.capacity) return;
    this.capacity = capacity;
    const needed = this.slotStart(this.slots - 1) + align16(this.headerBytes) + (this.inputs + 1) * capacity;
    const have = this.kernel.memory.buffer.byteLength;
    if (needed > have) this.kernel.memory.grow(Math.ceil((needed - have) / PAGE));
  }

  private regionStart(slot: number, region: number): number {
    return this.slotStart(slot) + align16(this.headerBytes) + region * this.capacity;
  }

  /** Where input `i` of `slot` goes (`bytes` long at most). */
  inputView(slot: number, i: number, bytes: number): Uint8Array {
    if (i < 0 || i >= this.inputs) throw new RangeError(`input ${i} is outside 0..${this.inputs - 1}`);
    if (bytes > this.capacity) throw new RangeError(`${bytes} bytes do not fit the arena's ${this.capacity}-byte regions; reserve() first`);
    return new Uint8Array(this.kernel.memory.buffer, this.regionStart(slot, i), bytes);
  }

  /** Σ cᵢ·inputᵢ over the first `bytes` bytes of the slot's inputs; a view of the slot's output. */
  sum(slot: number, bytes: number, coefficients: readonly number[]): Uint8Array {
    if (coefficients.length !== this.inputs) throw new Error(`${this.inputs} inputs but ${coefficients.length} coefficients`);
    if (bytes % 2 !== 0 || bytes > this.capacity) throw new RangeError(`${bytes} bytes is not an F16 chunk that fits the arena`);
    const { buffer } = this.kernel.memory;
    const memory = new Uint8Array(buffer);
    const view = new DataView(buffer);
    const padded = align16(bytes);
    // The slot's header: the inputs' addresses, then their coefficients.
    const ptrs = this.slotStart(slot);
    const coefs = ptrs + align16(4 * this.inputs);
    for (let i = 0; i < this.inputs; i++) {
      const at = this.regionStart(slot, i);
      view.setUint32(ptrs + 4 * i, at, true);
      view.setFloat64(coefs + 8 * i, coefficients[i]!, true);
      memory.fill(0, at + bytes, at + padded);
    }
    const out = this.regionStart(slot, this.inputs);
    if (this.inputs === 2) this.kernel.weightedSum2(ptrs, coefs, out, padded / 2);
    else this.kernel.weightedSum(ptrs, coefs, this.inputs, out, padded / 2);
    return new Uint8Array(buffer, out, bytes);
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
