// F32, F16 and BF16: one element per "block", little-endian.
import { f16Table, f32ToBf16Bits, f32ToF16Bits } from "./half";

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
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = f32ToF16Bits(values[i]!);
  return new Uint8Array(out.buffer);
}

export function quantizeBF16(values: Float32Array): Uint8Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = f32ToBf16Bits(values[i]!);
  return new Uint8Array(out.buffer);
}

