// Encoders for the k-quants Ollama ships (Q4_K, Q5_K, Q6_K), following ggml's reference quantizers
// (ggml-quants.c quantize_row_q4_K_ref / q5_K_ref / q6_K_ref, which llama-quantize uses when no importance matrix
// is given) step for step in float32, so the blocks are byte-identical to llama.cpp's. Layouts: ggml-common.h.
import { f16Table, f32ToF16Bits } from "./half";
import { GROUP_MAX_EPS, clamp, fitAsymmetricBlock, fitSymmetricBlock, nearestInt } from "./kquant-fit";
import { scaleMinK4 } from "./kquants";

const f = Math.fround;
const QK_K = 256;

// The super-block's quants (the encoders are synchronous, so one buffer serves every call).
const L = new Uint8Array(QK_K);

function putHalf(out: Uint8Array, p: number, value: number): number {
  const h = f32ToF16Bits(value);
  out[p] = h & 0xff;
  out[p + 1] = h >>> 8;
  return f16Table()[h]!;
}

/** Q4_K and Q5_K share everything but the quant range, the search grid and the packing of the quants. */
interface AsymmetricK {
  nmax: number;
  rmin: number;
  nstep: number;
  blockBytes: number;
  pack: (out: Uint8Array, p: number) => void;
}

/**
 * One super-block of Q4_K/Q5_K: each 32-value sub-block gets a scale and min fitted with weights √(mean x²) + |x|,
 * the eight scales and mins are quantized to 6 bits against the largest (d = max/63, dmin likewise), and the
 * values re-quantized against the stored 6-bit scales. Writes d, dmin and the packed scales; returns nothing.
 */
function encodeAsymmetricBlock(k: AsymmetricK, x: Float32Array, o: number, out: Uint8Array, p: number): void {
  const { scales, mins, L: fitted } = fitAsymmetricBlock(x, o, k.nmax, k.rmin, f(0.1), k.nstep);
  L.set(fitted);
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < 8; j++) {
    if (scales[j]! > maxScale) maxScale = scales[j]!;
    if (mins[j]! > maxMin) maxMin = mins[j]!;
  }
  const invScale = maxScale > 0 ? f(63 / maxScale) : 0;
  const invMin = maxMin > 0 ? f(63 / maxMin) : 0;
  const sc = p + 4;
  for (let j = 0; j < 8; j++) {
    const ls = Math.min(63, nearestInt(f(invScale * scales[j]!)) & 0xff);
    const lm = Math.min(63, nearestInt(f(invMin * mins[j]!)) & 0xff);
    if (j < 4) {
      out[sc + j] = ls;
      out[sc + j + 4] = lm;
    } else {
      out[sc + j + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
      out[sc + j - 4] = out[sc + j - 4]! | ((ls >> 4) << 6);
      out[sc + j] = out[sc + j]! | ((lm >> 4) << 6);
    }
  }
  const d = putHalf(out, p, f(maxScale / 63));
  const dmin = putHalf(out, p + 2, f(maxMin / 63));
  for (let j = 0; j < 8; j++) {
    const [s, m] = scaleMinK4(j, out, sc);
    const dj = f(d * s);
    // A zero scale keeps the quants the fit chose (ggml skips the sub-block too).
    if (!dj) continue;
    const dm = f(dmin * m);
    for (let i = 0; i < 32; i++) L[32 * j + i] = clamp(nearestInt(f(f(x[o + 32 * j + i]! + dm) / dj)), 0, k.nmax);
  }
  k.pack(out, p);
}

const Q4_K: AsymmetricK = {
  nmax: 15,
  rmin: -1,
  nstep: 20,
  blockBytes: 144,
  // qs[128] at byte 16: 32 bytes per pair of sub-blocks, low nibble the first, high nibble the second.
  pack: (out, p) => {
    for (let j = 0, q = p + 16; j < QK_K; j += 64, q += 32) for (let l = 0; l < 32; l++) out[q + l] = L[j + l]! | (L[j + l + 32]! << 4);
  },
};

const Q5_K: AsymmetricK = {
  nmax: 31,
  rmin: -0.5,
  nstep: 15,
  blockBytes: 176,
  // qh[32] at byte 16 (bit 2k/2k+1 of qh[l]: fifth bit of weight l of sub-blocks 2k/2k+1), qs[128] at byte 48.
  pack: (out, p) => {
    const qh = p + 16;
    out.fill(0, qh, qh + 32);
    for (let n = 0, ql = p + 48, m1 = 1; n < QK_K; n += 64, ql += 32, m1 <<= 2) {
      for (let j = 0; j < 32; j++) {
        const l1 = L[n + j]!;
        const l2 = L[n + j + 32]!;
        if (l1 > 15) out[qh + j] = out[qh + j]! | m1;
        if (l2 > 15) out[qh + j] = out[qh + j]! | (m1 << 1);
        out[ql + j] = (l1 & 15) | ((l2 & 15) << 4);
      }
    }
  },
};

function encodeAsymmetric(k: AsymmetricK, values: Float32Array): Uint8Array {
  const nb = values.length / QK_K;
  const out = new Uint8Array(nb * k.blockBytes);
  for (let b = 0; b < nb; b++) encodeAsymmetricBlock(k, values, b * QK_K, out, b * k.blockBytes);
  return out;
}

export function quantizeQ4_K(values: Float32Array): Uint8Array {
  return encodeAsymmetric(Q4_K, values);
}

export function quantizeQ5_K(values: Float32Array): Uint8Array {
  return encodeAsymmetric(Q5_K, values);
}

/**
 * Q6_K (210 bytes: ql[128], qh[64], int8 scales[16], d): sixteen 16-value groups, each fitted symmetrically to
 * 6-bit quants; the group scales are quantized to int8 against the largest in magnitude (d = −max/128).
 */
function encodeQ6KBlock(x: Float32Array, o: number, out: Uint8Array, p: number): void {
  const { scales, L: fitted } = fitSymmetricBlock(x, o);
  L.set(fitted);
  let maxScale = 0;
  let maxAbsScale = 0;
  for (let ib = 0; ib < 16; ib++) {
    const a = Math.abs(scales[ib]!);
    if (a > maxAbsScale) {
      maxAbsScale = a;
      maxScale = scales[ib]!;
    }
  }
  if (maxAbsScale < GROUP_MAX_EPS) return; // an all-zero block: every byte 0 (the output starts zeroed)
  const iscale = f(-128 / maxScale);
  const d = putHalf(out, p + 208, f(1 / iscale));
  for (let ib = 0; ib < 16; ib++) out[p + 192 + ib] = Math.min(127, nearestInt(f(iscale * scales[ib]!))) & 0xff;
  for (let j = 0; j < 16; j++) {
    const dj = f(d * ((out[p + 192 + j]! << 24) >> 24));
    if (!dj) continue;
    for (let i = 0; i < 16; i++) L[16 * j + i] = clamp(nearestInt(f(x[o + 16 * j + i]! / dj)), -32, 31) + 32;
  }
  for (let j = 0, ql = p, qh = p + 128; j < QK_K; j += 128, ql += 64, qh += 32) {
    for (let l = 0; l < 32; l++) {
      const q1 = L[j + l]!,
        q2 = L[j + l + 32]!,
        q3 = L[j + l + 64]!,
        q4 = L[j + l + 96]!;
      out[ql + l] = (q1 & 0xf) | ((q3 & 0xf) << 4);
      out[ql + l + 32] = (q2 & 0xf) | ((q4 & 0xf) << 4);
      out[qh + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6);
    }
  }
}

export function quantizeQ6_K(values: Float32Array): Uint8Array {
  const nb = values.length / QK_K;
  const out = new Uint8Array(nb * 210);
  for (let b = 0; b < nb; b++) encodeQ6KBlock(values, b * QK_K, out, b * 210);
  return out;
}
