// Q8_0: blocks of 32 weights = an F16 scale d and 32 int8 quants; x = d * q.
import { f16Table, f32ToF16Bits } from "./half";

const QK = 32;
const BLOCK_BYTES = 34;

export function dequantizeQ8_0(bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  const t = f16Table();
  const nb = count / QK;
  for (let b = 0; b < nb; b++) {
    const p = b * BLOCK_BYTES;
    const d = t[bytes[p]! | (bytes[p + 1]! << 8)]!;
    const o = b * QK;
    for (let j = 0; j < QK; j++) out[o + j] = d * ((bytes[p + 2 + j]! << 24) >> 24);
  }
  return out;
}

/** ggml's reference quantizer: d = max|x| / 127, q = round(x / d) (halves away from zero, like C's roundf). */
export function quantizeQ8_0(values: Float32Array): Uint8Array {
  if (values.length % QK !== 0) throw new Error(`Q8_0 needs a multiple of ${QK} values, got ${values.length}`);
  const nb = values.length / QK;
  const out = new Uint8Array(nb * BLOCK_BYTES);
  for (let b = 0; b < nb; b++) {
    const o = b * QK;
    let amax = 0;
    for (let j = 0; j < QK; j++) {
      const a = Math.abs(values[o + j]!);
      if (a > amax) amax = a;
    }
    const d = Math.fround(amax / 127);
    const id = d ? Math.fround(1 / d) : 0;
    const h = f32ToF16Bits(d);
    const p = b * BLOCK_BYTES;
    out[p] = h & 0xff;
    out[p + 1] = h >>> 8;
    for (let j = 0; j < QK; j++) {
      const v = Math.fround(values[o + j]! * id);
      out[p + 2 + j] = (v >= 0 ? Math.floor(v + 0.5) : -Math.floor(0.5 - v)) & 0xff;
    }
  }
  return out;
}
