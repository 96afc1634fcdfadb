// The scale-fitting searches of ggml's reference k-quant encoders (ggml-quants.c: nearest_int, make_qkx2_quants,
// make_qx_quants), re-implemented so that Chorus writes the very bytes llama.cpp's quantizer writes. ggml does
// this arithmetic in float32, one rounding per operation and in source order (the reference code is built without
// fast-math, so nothing is fused or reordered); every operation here is therefore wrapped in Math.fround, which on
// float32 operands gives exactly the float32 result (a double holds the exact sum/product/quotient's rounding).
// Tests compare the bytes with llama.cpp's own library (test/unit/gguf/kquant-parity.test.ts).

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

/** Scratch for the candidate quants of make_qkx2_quants (its Laux), and x − min for the current min. */
const laux = new Uint8Array(32);
const shifted = new Float32Array(32);

function shiftBy(x: Float32Array, o: number, n: number, min: number): void {
  for (let i = 0; i < n; i++) shifted[i] = x[o + i]! - min; // the store rounds to float32, as C's float subtraction
}

/**
 * make_qkx2_quants: fits x[o..o+n) ≈ scale·L − min with L in [0, nmax] and min ≥ 0, by trying nstep+1 candidate
 * scales around nmax/(max−min) and keeping the one with the least weighted squared error (least-squares scale and
 * min for each candidate's quants). Writes the quants to L[lo..lo+n) and the min to `minOut[mi]`; returns the scale.
 */
export function makeQkx2Quants(
  n: number, nmax: number, x: Float32Array, o: number, w: Float32Array,
  L: Uint8Array, lo: number, minOut: Float32Array, mi: number, rmin: number, rdelta: number, nstep: number,
): number {
  let min = x[o]!;
  let max = min;
  let sumW = w[0]!;
  let sumX = f(sumW * min);
  for (let i = 1; i < n; i++) {
    const xi = x[o + i]!;
    if (xi < min) min = xi;
    if (xi > max) max = xi;
    sumW = f(sumW + w[i]!);
    sumX = f(sumX + f(w[i]! * xi));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0, lo, lo + n);
    minOut[mi] = -min;
    return 0;
  }
  let iscale = f(nmax / f(max - min));
  let scale = f(1 / iscale);
  let bestError = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[o + i]!;
    const l = clamp(nearestInt(f(iscale * f(xi - min))), 0, nmax);
    L[lo + i] = l;
    const diff = f(f(f(scale * l) + min) - xi);
    bestError = f(bestError + f(w[i]! * f(diff * diff)));
  }
  shiftBy(x, o, n, min);
  for (let is = 0; is <= nstep; is++) {
    // ggml measures the range from the best min so far (which a better candidate replaces), not the data's min.
    iscale = f(f(f(rmin + f(rdelta * is)) + nmax) / f(max - min));
    let changed = is === 0;
    for (let i = 0; i < n; i++) {
      const l = clamp(nearestInt(f(iscale * shifted[i]!)), 0, nmax);
      if (l !== laux[i]) changed = true;
      laux[i] = l;
    }
    // The same quants as the previous candidate give the same sums, scale, min and error, which lost (or won and
    // cannot beat itself): skipping them changes nothing and saves most of the work.
    if (!changed) continue;
    let sumL = 0, sumL2 = 0, sumXL = 0;
    for (let i = 0; i < n; i++) {
      const l = laux[i]!;
      const wl = f(w[i]! * l);
      sumL = f(sumL + wl);
      sumL2 = f(sumL2 + f(wl * l));
      sumXL = f(sumXL + f(wl * x[o + i]!));
    }
    const D = f(f(sumW * sumL2) - f(sumL * sumL));
    if (!(D > 0)) continue;
    let thisScale = f(f(f(sumW * sumXL) - f(sumX * sumL)) / D);
    let thisMin = f(f(f(sumL2 * sumX) - f(sumL * sumXL)) / D);
    if (thisMin > 0) {
      thisMin = 0;
      thisScale = f(sumXL / sumL2);
    }
    let error = 0;
    for (let i = 0; i < n; i++) {
      const diff = f(f(f(thisScale * laux[i]!) + thisMin) - x[o + i]!);
      error = f(error + f(w[i]! * f(diff * diff)));
    }
    if (error < bestError) {
      L.set(laux.subarray(0, n), lo);
      bestError = error;
      scale = thisScale;
      min = thisMin;
      shiftBy(x, o, n, min);
    }
  }
  minOut[mi] = -min;
  return scale;
}

/**
 * make_qx_quants with rmse_type 1 and no importance weights (what Q6_K's reference encoder uses): symmetric quants
 * L − nmax in [−nmax, nmax−1], weighted by x², trying 19 scales around −nmax/max (max: the value of largest
 * magnitude). Writes L[lo..lo+n) (offset by nmax) and returns the scale.
 */
export function makeQxQuants(n: number, nmax: number, x: Float32Array, o: number, L: Uint8Array, lo: number): number {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[o + i]!);
    if (ax > amax) {
      amax = ax;
      max = x[o + i]!;
    }
  }
  if (amax < GROUP_MAX_EPS) {
    L.fill(0, lo, lo + n);
    return 0;
  }
  let iscale = f(-nmax / max);
  let sumLX = 0;
  let sumL2 = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[o + i]!;
    const l = clamp(nearestInt(f(iscale * xi)), -nmax, nmax - 1);
    L[lo + i] = l + nmax;
    const w = f(xi * xi);
    sumLX = f(sumLX + f(f(w * xi) * l));
    sumL2 = f(sumL2 + f(f(w * l) * l));
  }
  let scale = sumL2 ? f(sumLX / sumL2) : 0;
  let best = f(scale * sumLX);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    iscale = f(-f(nmax + f(f(0.1) * is)) / max);
    sumLX = 0;
    sumL2 = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[o + i]!;
      const l = clamp(nearestInt(f(iscale * xi)), -nmax, nmax - 1);
      const w = f(xi * xi);
      sumLX = f(sumLX + f(f(w * xi) * l));
      sumL2 = f(sumL2 + f(f(w * l) * l));
    }
    if (sumL2 > 0 && f(sumLX * sumLX) > f(best * sumL2)) {
      for (let i = 0; i < n; i++) L[lo + i] = nmax + clamp(nearestInt(f(iscale * x[o + i]!)), -nmax, nmax - 1);
      scale = f(sumLX / sumL2);
      best = f(scale * sumLX);
    }
  }
  return scale;
}
