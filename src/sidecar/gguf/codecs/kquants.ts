// K-quants: 256-weight super-blocks with per-sub-block scales (ggml-common.h, ggml-quants.c). Chorus only reads them
// (Ollama's models are mostly Q4_K_M, which mixes Q4_K and Q6_K); writing them back is done in Q8_0 or a float type.
import { f16Table } from "./half";

const QK_K = 256;

function half(bytes: Uint8Array, p: number): number {
  return f16Table()[bytes[p]! | (bytes[p + 1]! << 8)]!;
}

/**
 * The 12 scale bytes of Q4_K/Q5_K hold eight 6-bit scales and eight 6-bit mins. Sub-blocks 0–3 use the low 6 bits
 * of bytes 0–3 (scale) and 4–7 (min); sub-blocks 4–7 take their low 4 bits from the nibbles of bytes 8–11 and their
 * top 2 bits from the spare top bits of bytes 0–7.
 */
export function scaleMinK4(j: number, s: Uint8Array, p: number): [scale: number, min: number] {
  if (j < 4) return [s[p + j]! & 63, s[p + j + 4]! & 63];
  return [(s[p + j + 4]! & 0x0f) | ((s[p + j - 4]! >>> 6) << 4), (s[p + j + 4]! >>> 4) | ((s[p + j]! >>> 6) << 4)];
}

// Per-block scratch: the eight effective scales (d·scale) and mins (dmin·min) of the current super-block.
const blockScale = new Float64Array(8);
const blockMin = new Float64Array(8);

function unpackScales(bytes: Uint8Array, p: number): void {
  const d = half(bytes, p);
  const dmin = half(bytes, p + 2);
  for (let j = 0; j < 8; j++) {
    const [sc, m] = scaleMinK4(j, bytes, p + 4);
    blockScale[j] = d * sc;
    blockMin[j] = dmin * m;
  }
}

/** Q4_K (144 bytes): d, dmin, scales[12], qs[128]; x = d*scale*q - dmin*min, 8 sub-blocks of 32. */
export function dequantizeQ4_K(bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let b = 0, p = 0; b < count / QK_K; b++, p += 144) {
    unpackScales(bytes, p);
    let q = p + 16;
    let y = b * QK_K;
    for (let sub = 0; sub < 8; sub += 2) {
      const d1 = blockScale[sub]!,
        min1 = blockMin[sub]!,
        d2 = blockScale[sub + 1]!,
        min2 = blockMin[sub + 1]!;
      // 32 bytes carry two sub-blocks: low nibbles the first, high nibbles the second.
      for (let l = 0; l < 32; l++) {
        const v = bytes[q + l]!;
        out[y + l] = d1 * (v & 0x0f) - min1;
        out[y + 32 + l] = d2 * (v >>> 4) - min2;
      }
      q += 32;
      y += 64;
    }
  }
  return out;
}

/** Q5_K (176 bytes): d, dmin, scales[12], qh[32], qs[128]; like Q4_K with a fifth bit per weight from qh. */
export function dequantizeQ5_K(bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let b = 0, p = 0; b < count / QK_K; b++, p += 176) {
    unpackScales(bytes, p);
    const qh = p + 16;
    let ql = p + 48;
    let y = b * QK_K;
    // Bit (2k) of qh[l] is the fifth bit of weight l of sub-block 2k; bit (2k+1) that of sub-block 2k+1.
    for (let sub = 0, shift = 0; sub < 8; sub += 2, shift += 2) {
      const d1 = blockScale[sub]!,
        min1 = blockMin[sub]!,
        d2 = blockScale[sub + 1]!,
        min2 = blockMin[sub + 1]!;
      for (let l = 0; l < 32; l++) {
        const h = bytes[qh + l]! >>> shift;
        out[y + l] = d1 * ((bytes[ql + l]! & 0x0f) | ((h & 1) << 4)) - min1;
        out[y + 32 + l] = d2 * ((bytes[ql + l]! >>> 4) | ((h & 2) << 3)) - min2;
      }
      ql += 32;
      y += 64;
    }
  }
  return out;
}

/** Q6_K (210 bytes): ql[128], qh[64], int8 scales[16], d; x = d*scale*(q - 32), 16 sub-blocks of 16. */
export function dequantizeQ6_K(bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let b = 0, p = 0; b < count / QK_K; b++, p += 210) {
    const d = half(bytes, p + 208);
    // Two halves of 128 weights; each uses 64 ql bytes, 32 qh bytes and 8 scales.
    for (let n = 0; n < 2; n++) {
      const ql = p + n * 64;
      const qh = p + 128 + n * 32;
      const sc = p + 192 + n * 8;
      const y = b * QK_K + n * 128;
      for (let l = 0; l < 32; l++) {
        const is = l >>> 4;
        const h = bytes[qh + l]!;
        const q1 = ((bytes[ql + l]! & 0x0f) | ((h & 3) << 4)) - 32;
        const q2 = ((bytes[ql + l + 32]! & 0x0f) | (((h >>> 2) & 3) << 4)) - 32;
        const q3 = ((bytes[ql + l]! >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
        const q4 = ((bytes[ql + l + 32]! >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
        out[y + l] = d * int8(bytes[sc + is]!) * q1;
        out[y + l + 32] = d * int8(bytes[sc + is + 2]!) * q2;
        out[y + l + 64] = d * int8(bytes[sc + is + 4]!) * q3;
        out[y + l + 96] = d * int8(bytes[sc + is + 6]!) * q4;
      }
    }
  }
  return out;
}

function int8(b: number): number {
  return (b << 24) >> 24;
}
