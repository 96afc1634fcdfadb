// The scale-fitting searches of ggml's reference k-quant encoders (ggml-quants.c: nearest_int, make_qkx2_quants,
// make_qx_quants), re-implemented so that Chorus writes the very bytes llama.cpp's quantizer writes. ggml does
// this arithmetic in float32, one rounding per operation and in source order (the reference code is built without
// fast-math, so nothing is fused or reordered). make_qkx2_quants, the hot one, runs as WebAssembly f32 code; here
// every operation is wrapped in Math.fround, which on float32 operands gives exactly the float32 result (a double
// holds the exact sum/product/quotient's rounding).
// Tests compare the bytes with llama.cpp's own library (test/unit/gguf/kquant-parity.test.ts).

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

/** v limited to [lo, hi] (ternaries: cheaper than Math.max/min in the hot loops). */
export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

interface FitKernel {
  memory: WebAssembly.Memory;
  qkx2: (n: number, nmax: number, rmin: number, rdelta: number, nstep: number) => number;
  qx: (n: number, nmax: number) => number;
}

let kernel: { exports: FitKernel; x: Float32Array; w: Float32Array; L: Uint8Array; min: Float32Array } | undefined;

function fitKernel(): NonNullable<typeof kernel> {
  if (!kernel) {
    const exports = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(wasmBase64, "base64"))).exports as unknown as FitKernel;
    const buf = exports.memory.buffer;
    kernel = {
      exports,
      x: new Float32Array(buf, 0, 32),
      w: new Float32Array(buf, 128, 32),
      L: new Uint8Array(buf, 256, 32),
      min: new Float32Array(buf, 320, 1),
    };
  }
  return kernel;
}

/**
 * make_qkx2_quants: fits x[o..o+n) ≈ scale·L − min with L in [0, nmax] and min ≥ 0, by trying nstep+1 candidate
 * scales around nmax/(max−min) and keeping the one with the least weighted squared error (least-squares scale and
 * min for each candidate's quants). Writes the quants to L[lo..lo+n) and the min to `minOut[mi]`; returns the scale.
 * Runs in WebAssembly (kernels/kquant-fit.wat): its f32 arithmetic is the C code's, without Math.fround's round trips.
 */
export function makeQkx2Quants(
  n: number,
  nmax: number,
  x: Float32Array,
  o: number,
  w: Float32Array,
  L: Uint8Array,
  lo: number,
  minOut: Float32Array,
  mi: number,
  rmin: number,
  rdelta: number,
  nstep: number,
): number {
  const k = fitKernel();
  k.x.set(x.subarray(o, o + n));
  k.w.set(w.subarray(0, n));
  const scale = k.exports.qkx2(n, nmax, rmin, rdelta, nstep);
  L.set(k.L.subarray(0, n), lo);
  minOut[mi] = k.min[0]!;
  return scale;
}

/**
 * make_qx_quants with rmse_type 1 and no importance weights (what Q6_K's reference encoder uses): symmetric quants
 * L − nmax in [−nmax, nmax−1], weighted by x², trying 19 scales around −nmax/max (max: the value of largest
 * magnitude). Writes L[lo..lo+n) (offset by nmax) and returns the scale.
 */
export function makeQxQuants(n: number, nmax: number, x: Float32Array, o: number, L: Uint8Array, lo: number): number {
  const k = fitKernel();
  k.x.set(x.subarray(o, o + n));
  const scale = k.exports.qx(n, nmax);
  L.set(k.L.subarray(0, n), lo);
  return scale;
}
