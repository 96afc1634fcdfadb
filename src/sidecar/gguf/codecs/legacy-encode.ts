// Encoders for the 32-weight block formats, as ggml's reference quantizers write them (ggml-quants.c
// quantize_row_q4_0_ref … q5_1_ref). A k-quant mix needs them where a tensor's rows are not whole 256-value
// super-blocks: llama.cpp then writes Q4_K as Q5_0 and Q5_K as Q5_1 (llama-quant.cpp tensor_type_fallback).
import { f32ToF16Bits } from "./half";

const f = Math.fround;
const QK = 32;

function putHalf(out: Uint8Array, p: number, value: number): void {
  const h = f32ToF16Bits(value);
  out[p] = h & 0xff;
  out[p + 1] = h >>> 8;
}

function putU32(out: Uint8Array, p: number, v: number): void {
  out[p] = v & 0xff;
  out[p + 1] = (v >>> 8) & 0xff;
  out[p + 2] = (v >>> 16) & 0xff;
  out[p + 3] = v >>> 24;
}

/** Symmetric blocks (Q4_0, Q5_0): d = max / −2^(bits−1) where max is the value of largest magnitude; q = x/d + offset. */
function encodeSymmetric(values: Float32Array, bits: 4 | 5): Uint8Array {
  const half = 1 << (bits - 1);
  const size = bits === 5 ? 22 : 18;
  const out = new Uint8Array((values.length / QK) * size);
  for (let o = 0, p = 0; o < values.length; o += QK, p += size) {
    let amax = 0;
    let max = 0;
    for (let j = 0; j < QK; j++) {
      const v = values[o + j]!;
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = f(max / -half);
    const id = d ? f(1 / d) : 0;
    putHalf(out, p, d);
    const bias = f(half + 0.5);
    const top = (1 << bits) - 1;
    const qs = p + size - 16;
    let qh = 0;
    for (let j = 0; j < 16; j++) {
      // C's (int8_t) cast truncates towards zero; MIN keeps the one value that can reach 2^bits.
      const q0 = Math.min(top, Math.trunc(f(f(values[o + j]! * id) + bias)));
      const q1 = Math.min(top, Math.trunc(f(f(values[o + j + 16]! * id) + bias)));
      out[qs + j] = (q0 & 0xf) | ((q1 & 0xf) << 4);
      qh |= ((q0 >> 4) & 1) << j;
      qh |= ((q1 >> 4) & 1) << (j + 16);
    }
    if (bits === 5) putU32(out, p + 2, qh >>> 0);
  }
  return out;
}

/** Asymmetric blocks (Q4_1, Q5_1): d = (max − min) / (2^bits − 1), m = min; q = (x − min)/d rounded half up. */
function encodeAsymmetric(values: Float32Array, bits: 4 | 5): Uint8Array {
  const size = bits === 5 ? 24 : 20;
  const out = new Uint8Array((values.length / QK) * size);
  for (let o = 0, p = 0; o < values.length; o += QK, p += size) {
    let min = Infinity;
    let max = -Infinity;
    for (let j = 0; j < QK; j++) {
      const v = values[o + j]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const d = f(f(max - min) / ((1 << bits) - 1));
    const id = d ? f(1 / d) : 0;
    putHalf(out, p, d);
    putHalf(out, p + 2, min);
    const qs = p + size - 16;
    let qh = 0;
    for (let j = 0; j < 16; j++) {
      // Q4_1 clamps to 15 as ggml does; Q5_1 does not need to (the top value rounds to 31 at most).
      const r0 = Math.trunc(f(f(f(values[o + j]! - min) * id) + 0.5)) & 0xff;
      const r1 = Math.trunc(f(f(f(values[o + j + 16]! - min) * id) + 0.5)) & 0xff;
      const q0 = bits === 4 ? Math.min(15, r0) : r0;
      const q1 = bits === 4 ? Math.min(15, r1) : r1;
      out[qs + j] = (q0 & 0xf) | ((q1 & 0xf) << 4);
      qh |= ((q0 >> 4) & 1) << j;
      qh |= ((q1 >> 4) & 1) << (j + 16);
    }
    if (bits === 5) putU32(out, p + 4, qh >>> 0);
  }
  return out;
}

export const quantizeQ4_0 = (values: Float32Array): Uint8Array => encodeSymmetric(values, 4);
export const quantizeQ5_0 = (values: Float32Array): Uint8Array => encodeSymmetric(values, 5);
export const quantizeQ4_1 = (values: Float32Array): Uint8Array => encodeAsymmetric(values, 4);
export const quantizeQ5_1 = (values: Float32Array): Uint8Array => encodeAsymmetric(values, 5);
