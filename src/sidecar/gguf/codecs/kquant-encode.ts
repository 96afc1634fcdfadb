// Encoders for the k-quants Ollama ships (Q4_K, Q5_K, Q6_K), following ggml's reference quantizers
// (ggml-quants.c quantize_row_q4_K_ref / q5_K_ref / q6_K_ref, which llama-quantize uses when no importance matrix
// is given) step for step in float32, so the blocks are byte-identical to llama.cpp's. Layouts: ggml-common.h.
import { f16Table, f32ToF16Bits } from "./half";
import { GROUP_MAX_EPS, fitAsymmetricBlock, fitSymmetricBlock, nearestInt, packAsymmetricBlock, packSymmetricBlock } from "./kquant-fit";

const f = Math.fround;
const QK_K = 256;

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
  q5: boolean;
}

/**
 * One super-block of Q4_K/Q5_K: each 32-value sub-block gets a scale and min fitted with weights √(mean x²) + |x|,
 * the eight scales and mins are quantized to 6 bits against the largest (d = max/63, dmin likewise), and the
 * values re-quantized against the stored 6-bit scales and packed (both in the kernel). Writes the whole block.
 */
function encodeAsymmetricBlock(k: AsymmetricK, x: Float32Array, o: number, out: Uint8Array, p: number): void {
  const v = fitAsymmetricBlock(x, o, k.nmax, k.rmin, f(0.1), k.nstep);
  const { scales, mins } = v;
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < 8; j++) {
    if (scales[j]! > maxScale) maxScale = scales[j]!;
    if (mins[j]! > maxMin) maxMin = mins[j]!;
  }
  const invScale = maxScale > 0 ? f(63 / maxScale) : 0;
  const invMin = maxMin > 0 ? f(63 / maxMin) : 0;
  const d = putHalf(out, p, f(maxScale / 63));
  const dmin = putHalf(out, p + 2, f(maxMin / 63));
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
    // The stored 6-bit scale and min times the fp16 d and dmin (exact in float32: 11 by 6 significant bits).
    v.d[j] = d * ls;
    v.dm[j] = dmin * lm;
  }
  out.set(packAsymmetricBlock(k.nmax, k.q5).subarray(16, k.blockBytes), p + 16);
}

const Q4_K: AsymmetricK = { nmax: 15, rmin: -1, nstep: 20, blockBytes: 144, q5: false };
const Q5_K: AsymmetricK = { nmax: 31, rmin: -0.5, nstep: 15, blockBytes: 176, q5: true };

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
  const v = fitSymmetricBlock(x, o);
  const { scales } = v;
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
  for (let ib = 0; ib < 16; ib++) {
    // Stored as int8 (ggml's C assignment keeps the low 8 bits), and d times that (exact in float32).
    const q = (Math.min(127, nearestInt(f(iscale * scales[ib]!))) << 24) >> 24;
    out[p + 192 + ib] = q & 0xff;
    v.d[ib] = d * q;
  }
  out.set(packSymmetricBlock().subarray(0, 192), p);
}

export function quantizeQ6_K(values: Float32Array): Uint8Array {
  const nb = values.length / QK_K;
  const out = new Uint8Array(nb * 210);
  for (let b = 0; b < nb; b++) encodeQ6KBlock(values, b * QK_K, out, b * 210);
  return out;
}
