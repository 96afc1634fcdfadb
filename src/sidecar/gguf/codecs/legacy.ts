// The original 32-weight block formats (ggml-common.h): Q4_0, Q4_1, Q5_0, Q5_1.
// In every one, byte j of the packed quants holds weight j in its low nibble and weight j+16 in its high nibble.
import { f16Table } from "./half";

const QK = 32;

function half(bytes: Uint8Array, p: number): number {
  return f16Table()[bytes[p]! | (bytes[p + 1]! << 8)]!;
}

/** Q4_0 (18 bytes): d, qs[16]; x = d * (q - 8). */
export function dequantizeQ4_0(bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let b = 0, p = 0; b < count / QK; b++, p += 18) {
    const d = half(bytes, p);
    const o = b * QK;
    for (let j = 0; j < 16; j++) {
      const q = bytes[p + 2 + j]!;
      out[o + j] = d * ((q & 0x0f) - 8);
      out[o + j + 16] = d * ((q >>> 4) - 8);
    }
  }
  return out;
}

/** Q4_1 (20 bytes): d, m, qs[16]; x = d * q + m. */
export function dequantizeQ4_1(bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let b = 0, p = 0; b < count / QK; b++, p += 20) {
    const d = half(bytes, p);
    const m = half(bytes, p + 2);
    const o = b * QK;
    for (let j = 0; j < 16; j++) {
      const q = bytes[p + 4 + j]!;
      out[o + j] = d * (q & 0x0f) + m;
      out[o + j + 16] = d * (q >>> 4) + m;
    }
  }
  return out;
}

function u32le(bytes: Uint8Array, p: number): number {
  return (bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24)) >>> 0;
}

/** Q5_0 (22 bytes): d, qh (32 fifth bits, bit j for weight j), qs[16]; x = d * (q - 16). */
export function dequantizeQ5_0(bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let b = 0, p = 0; b < count / QK; b++, p += 22) {
    const d = half(bytes, p);
    const qh = u32le(bytes, p + 2);
    const o = b * QK;
    for (let j = 0; j < 16; j++) {
      const q = bytes[p + 6 + j]!;
      const lo = (q & 0x0f) | (((qh >>> j) & 1) << 4);
      const hi = (q >>> 4) | (((qh >>> (j + 16)) & 1) << 4);
      out[o + j] = d * (lo - 16);
      out[o + j + 16] = d * (hi - 16);
    }
  }
  return out;
}

/** Q5_1 (24 bytes): d, m, qh, qs[16]; x = d * q + m. */
export function dequantizeQ5_1(bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let b = 0, p = 0; b < count / QK; b++, p += 24) {
    const d = half(bytes, p);
    const m = half(bytes, p + 2);
    const qh = u32le(bytes, p + 4);
    const o = b * QK;
    for (let j = 0; j < 16; j++) {
      const q = bytes[p + 8 + j]!;
      const lo = (q & 0x0f) | (((qh >>> j) & 1) << 4);
      const hi = (q >>> 4) | (((qh >>> (j + 16)) & 1) << 4);
      out[o + j] = d * lo + m;
      out[o + j + 16] = d * hi + m;
    }
  }
  return out;
}
