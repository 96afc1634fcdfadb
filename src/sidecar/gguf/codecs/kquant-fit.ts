// The scale-fitting searches of ggml's reference k-quant encoders (ggml-quants.c: nearest_int, make_qkx2_quants,
// make_qx_quants) and the re-quantization and packing after them, re-implemented so that Chorus writes the very
// bytes llama.cpp's quantizer writes. ggml does this arithmetic in float32, one rounding per operation and in source
// order (the reference code is built without fast-math, so nothing is fused or reordered). The per-value work runs
// in WebAssembly (kernels/kquant-fit.wat: SIMD, four groups at a time, each lane in ggml's order); the per-block
// steps in the encoders wrap every operation in Math.fround, which on float32 operands gives exactly the float32
// result (a double holds the exact sum/product/quotient's rounding).
// Tests compare the bytes with llama.cpp's own library (test/unit/gguf/kquant-parity.test.ts, kquant-lanes.test.ts).

import { wasmBase64 } from "./kernels/kquant-fit.wasm";

const f = Math.fround;

/** ggml's GROUP_MAX_EPS: a group whose largest magnitude is below it is all zero. */
export const GROUP_MAX_EPS = f(1e-15);

/** 1.5·2²³: adding it to a float32 of magnitude below 2²² leaves the nearest integer in the low mantissa bits. */
const MAGIC = 12582912;

/**
 * ggml's nearest_int: `v` (already a float32) rounded to the nearest integer, ties to even — ggml adds 1.5·2²³ in
 * float32 and reads the mantissa, so the FPU's round-to-nearest-even decides; so does Math.fround here. (The double
 * sum is exact wherever the rounding matters, |v| ≥ 0.5, so rounding it once more to float32 is the C result.)
 */
export function nearestInt(v: number): number {
  return f(v + MAGIC) - MAGIC;
}

interface FitKernel {
  memory: WebAssembly.Memory;
  fitAsymmetric: (nmax: number, rmin: number, rdelta: number, nstep: number) => void;
  fitSymmetric: () => void;
  packAsymmetric: (nmax: number, q5: number) => void;
  packSymmetric: () => void;
}

/** The kernel's input and outputs in its memory (kernels/kquant-fit.wat lists the layout). */
interface FitViews {
  fit: FitKernel;
  /** The super-block's 256 values (in). */
  x: Float32Array;
  /** Each group's scale: 8 for Q4_K/Q5_K, 16 for Q6_K (out). */
  scales: Float32Array;
  /** Q4_K/Q5_K: each group's min, negated (ggml's the_min) (out). */
  mins: Float32Array;
  /** The 256 quants (out; Q6_K's offset by 32). */
  L: Uint8Array;
  /** Each group's re-quantization scale, d·(6- or 8-bit scale) (in, for packing). */
  d: Float32Array;
  /** Q4_K/Q5_K: each group's re-quantization min, dmin·(6-bit min) (in, for packing). */
  dm: Float32Array;
  /** The packed block, laid out as in ggml-common.h; only its quant bytes are written (out). */
  block: Uint8Array;
}

let views: FitViews | undefined;
let binary: Uint8Array<ArrayBuffer> = Buffer.from(wasmBase64, "base64");

/**
 * Runs the encoders on another build of the kernel from now on (undefined: the built-in one). For tests only: they
 * run deliberately broken builds to show that the parity tests notice a lane that takes another lane's branch.
 */
export function useFitKernelForTests(wasm: Uint8Array<ArrayBuffer> | undefined): void {
  binary = wasm ?? Buffer.from(wasmBase64, "base64");
  views = undefined;
}

function compileKernel(): WebAssembly.Module {
  try {
    return new WebAssembly.Module(binary);
  } catch (e) {
    // Every Node.js Chorus supports and every VS Code has SIMD; an engine started without it lands here.
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`this JavaScript engine could not compile the k-quant kernel (${why}); it needs WebAssembly SIMD: run Chorus on Node.js 20 or later`);
  }
}

function fitViews(): FitViews {
  if (!views) {
    const fit = new WebAssembly.Instance(compileKernel()).exports as unknown as FitKernel;
    const buf = fit.memory.buffer;
    views = {
      fit,
      x: new Float32Array(buf, 0, 256),
      scales: new Float32Array(buf, 2560, 16),
      mins: new Float32Array(buf, 2624, 8),
      L: new Uint8Array(buf, 2656, 256),
      d: new Float32Array(buf, 2912, 16),
      dm: new Float32Array(buf, 2976, 8),
      block: new Uint8Array(buf, 3008, 210),
    };
  }
  return views;
}

/**
 * Q4_K/Q5_K's fit of the super-block x[o..o+256): for each 32-value group, ggml's weights √(mean x²) + |x| and
 * make_qkx2_quants — quants L in [0, nmax] and min ≥ 0 with x ≈ scale·L − min, trying nstep+1 candidate scales
 * around nmax/(max−min) and keeping the least weighted squared error. Returns the views holding the 8 scales, the
 * 8 mins (ggml's the_min) and the 256 quants, valid until the next fit.
 */
export function fitAsymmetricBlock(x: Float32Array, o: number, nmax: number, rmin: number, rdelta: number, nstep: number): FitViews {
  const v = fitViews();
  v.x.set(x.subarray(o, o + 256));
  v.fit.fitAsymmetric(nmax, rmin, rdelta, nstep);
  return v;
}

/**
 * Q6_K's fit of the super-block x[o..o+256): for each 16-value group, make_qx_quants with rmse_type 1 and no
 * importance weights — symmetric quants in [−32, 31] weighted by x², trying 19 scales around −32/max (max: the
 * value of largest magnitude). Returns the views holding the 16 scales and the 256 quants (offset by 32).
 */
export function fitSymmetricBlock(x: Float32Array, o: number): FitViews {
  const v = fitViews();
  v.x.set(x.subarray(o, o + 256));
  v.fit.fitSymmetric();
  return v;
}

/**
 * Q4_K/Q5_K's last step for the block just fitted: the values re-quantized against the stored scales (views.d,
 * views.dm; a group whose d is 0 keeps the fit's quants, as in ggml) and packed into views.block (qs, and Q5_K's
 * qh), from byte 16 on.
 */
export function packAsymmetricBlock(nmax: number, q5: boolean): Uint8Array {
  const v = fitViews();
  v.fit.packAsymmetric(nmax, q5 ? 1 : 0);
  return v.block;
}

/** Q6_K's last step for the block just fitted: re-quantized against views.d and packed into views.block (ql, qh). */
export function packSymmetricBlock(): Uint8Array {
  const v = fitViews();
  v.fit.packSymmetric();
  return v.block;
}
