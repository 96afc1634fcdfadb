// F32, F16 and BF16: one element per "block", little-endian.
import { f16Table, f32BitsToBf16Bits, f32BitsToF16Bits } from "./half";

/** A 16-bit little-endian view of bytes, copying only when the bytes are not 2-aligned. */
function u16View(bytes: Uint8Array, count: number): Uint16Array {
  if (bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, count);
  return new Uint16Array(bytes.slice(0, count * 2).buffer);
}

export function dequantizeF32(bytes: Uint8Array, count: number): Float32Array {
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, count).slice();
  return new Float32Array(bytes.slice(0, count * 4).buffer);
}

export function dequantizeF16(bytes: Uint8Array, count: number): Float32Array {
  const h = u16View(bytes, count);
  const t = f16Table();
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = t[h[i]!]!;
  return out;
}

export function dequantizeBF16(bytes: Uint8Array, count: number): Float32Array {
  const h = u16View(bytes, count);
  const out = new Float32Array(count);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < count; i++) outBits[i] = h[i]! << 16;
  return out;
}

export function quantizeF32(values: Float32Array): Uint8Array {
  return new Uint8Array(values.slice().buffer);
}

export function quantizeF16(values: Float32Array): Uint8Array {
  const bits = new Int32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    const e = ((b >>> 23) & 0xff) - 112;
    if (e > 0 && e < 0x1f) {
      // Normal results inline (the common case); ties to even as in f32BitsToF16Bits.
      const m = b & 0x7fffff;
      const h = (e << 10) | (m >>> 13);
      const r = m & 0x1fff;
      out[i] = ((b >>> 16) & 0x8000) | (r > 0x1000 || (r === 0x1000 && h & 1) ? h + 1 : h);
    } else {
      out[i] = f32BitsToF16Bits(b);
    }
  }
  return new Uint8Array(out.buffer);
}

export function quantizeBF16(values: Float32Array): Uint8Array {
  const bits = new Int32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    // Not NaN (exponent not all ones): round to nearest even inline; NaNs take the careful path.
    out[i] = (b & 0x7f800000) !== 0x7f800000 ? ((b >>> 16) + (((b & 0xffff) + 0x7fff + ((b >>> 16) & 1)) >>> 16)) & 0xffff : f32BitsToBf16Bits(b);
  }
  return new Uint8Array(out.buffer);
}
