// Decoders for the other quantized types Ollama's library ships: Q2_K and Q3_K (its q2_K/q3_K_* tags), IQ4_NL and
// IQ4_XS (non-linear 4-bit) and MXFP4 (gpt-oss). Layouts and arithmetic follow ggml-common.h and ggml-quants.c
// dequantize_row_*; each product is rounded to float32 as ggml's is, so the values equal llama.cpp's bit for bit
// (kquant-parity.test.ts checks against its library). Chorus reads these; it writes k-quants only as Q4_K–Q6_K.
import { f16Table } from "./half";

const f = Math.fround;
const QK_K = 256;

function half(bytes: Uint8Array, p: number): number {
  return f16Table()[bytes[p]! | (bytes[p + 1]! << 8)]!;
}

/** Q2_K (84 bytes): scales[16] (low nibble scale, high nibble min), qs[64], d, dmin; 16 groups of 16, 2 bits each. */
export function dequantizeQ2_K(bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let b = 0, p = 0, y = 0; b < count / QK_K; b++, p += 84) {
    const d = half(bytes, p + 80);
    const dmin = half(bytes, p + 82);
    let is = p;
    for (let n = 0, q = p + 16; n < QK_K; n += 128, q += 32) {
      for (let shift = 0; shift < 8; shift += 2) {
        // Two groups of 16 per shift: bytes q..q+15, then q+16..q+31.
        for (let half16 = 0; half16 < 32; half16 += 16) {
          const sc = bytes[is++]!;
          const dl = f(d * (sc & 0xf));
          const ml = f(dmin * (sc >> 4));
          for (let l = 0; l < 16; l++) out[y++] = f(dl * ((bytes[q + half16 + l]! >> shift) & 3)) - ml;
        }
      }
    }
  }
  return out;
}

/** Q3_K's sixteen 6-bit scales: low 4 bits in nibbles of bytes 0–7, high 2 bits in bytes 8–11; stored offset by 32. */
function q3Scale(bytes: Uint8Array, s: number, j: number): number {
  const low = j < 8 ? bytes[s + j]! & 0xf : bytes[s + j - 8]! >> 4;
  return (low | (((bytes[s + 8 + (j % 4)]! >> (2 * (j >> 2))) & 3) << 4)) - 32;
}

/** Q3_K (110 bytes): hmask[32], qs[64], scales[12], d; x = d·scale·(q − 4·(high bit clear)), 16 groups of 16. */
export function dequantizeQ3_K(bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let b = 0, p = 0, y = 0; b < count / QK_K; b++, p += 110) {
    const d = half(bytes, p + 108);
    let j = 0;
    let m = 1; // the hmask bit, moving on every 32 values across both halves
    for (let n = 0, q = p + 32; n < QK_K; n += 128, q += 32) {
      for (let shift = 0; shift < 8; shift += 2, m <<= 1) {
        for (let half16 = 0; half16 < 32; half16 += 16) {
          const dl = f(d * q3Scale(bytes, p + 96, j++));
          for (let l = 0; l < 16; l++) {
            const low = (bytes[q + half16 + l]! >> shift) & 3;
            const high = bytes[p + half16 + l]! & m ? 0 : 4;
            out[y++] = dl * (low - high);
          }
        }
      }
    }
  }
  return out;
}

/** The 16 levels of IQ4_NL/IQ4_XS (ggml-common.h kvalues_iq4nl): denser near zero, where weights are. */
const IQ4_LEVELS = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

/** IQ4_NL (18 bytes): d, qs[16]; x = d·level[q]. */
export function dequantizeIQ4_NL(bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let p = 0, y = 0; y < count; p += 18, y += 32) {
    const d = half(bytes, p);
    for (let j = 0; j < 16; j++) {
      const q = bytes[p + 2 + j]!;
      out[y + j] = d * IQ4_LEVELS[q & 0xf]!;
      out[y + j + 16] = d * IQ4_LEVELS[q >> 4]!;
    }
  }
  return out;
}

/** IQ4_XS (136 bytes): d, scales_h (u16), scales_l[4], qs[128]; eight groups of 32 with 6-bit scales offset by 32. */
export function dequantizeIQ4_XS(bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let p = 0, y = 0; y < count; p += 136) {
    const d = half(bytes, p);
    const scalesH = bytes[p + 2]! | (bytes[p + 3]! << 8);
    for (let ib = 0; ib < 8; ib++, y += 32) {
      const ls = ((bytes[p + 4 + (ib >> 1)]! >> (4 * (ib & 1))) & 0xf) | (((scalesH >> (2 * ib)) & 3) << 4);
      const dl = f(d * (ls - 32));
      const qs = p + 8 + 16 * ib;
      for (let j = 0; j < 16; j++) {
        out[y + j] = dl * IQ4_LEVELS[bytes[qs + j]! & 0xf]!;
        out[y + j + 16] = dl * IQ4_LEVELS[bytes[qs + j]! >> 4]!;
      }
    }
  }
  return out;
}

/** FP4 (E2M1) values doubled, as ggml stores them (kvalues_mxfp4); the block scale supplies the half. */
const FP4_DOUBLED = [0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12];

/** Half of the E8M0 scale 2^(e−127), i.e. 2^(e−128) (ggml_e8m0_to_fp32_half). */
function e8m0Half(e: number): number {
  return 2 ** (e - 128);
}

/** MXFP4 (17 bytes): an E8M0 exponent, qs[16]; x = fp4[q]·2^(e−127). */
export function dequantizeMXFP4(bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let p = 0, y = 0; y < count; p += 17, y += 32) {
    const d = e8m0Half(bytes[p]!);
    for (let j = 0; j < 16; j++) {
      const q = bytes[p + 1 + j]!;
      out[y + j] = FP4_DOUBLED[q & 0xf]! * d;
      out[y + j + 16] = FP4_DOUBLED[q >> 4]! * d;
    }
  }
  return out;
}
