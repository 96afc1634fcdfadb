// The hot loop of the common merge — a weighted sum of F16 tensors written as F16 (linear and task arithmetic
// on the F16 GGUFs that llama.cpp's converter produces) — done in one pass over the raw bytes: decode through a
// table, combine, round to float32, encode. Bit-identical to decode → weightedSum → encodeF16 (a test checks),
// without the intermediate float arrays.
import { f16Table } from "../gguf/codecs/half";

const f = new Float32Array(1);
const u = new Uint32Array(f.buffer);

function halves(bytes: Uint8Array): Uint16Array {
  if (bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
  return new Uint16Array(bytes.slice().buffer);
}

/** Float32 bits → F16 bits, round to nearest even (see f16-encode.ts for the reasoning). */
function toHalf(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const abs = x & 0x7fffffff;
  if (abs >= 0x38800000 && abs < 0x477ff000) return sign | ((abs - 0x38000000 + 0xfff + ((abs >>> 13) & 1)) >>> 13);
  if (abs < 0x38800000) {
    u[0] = abs;
    f[0] = f[0]! + 0.5;
    return sign | (u[0]! - 0x3f000000);
  }
  return sign | (abs > 0x7f800000 ? 0x7e00 : 0x7c00);
}

/** Σ cᵢ·inputᵢ over F16 inputs of equal length, as F16 bytes. */
export function weightedSumF16(inputs: Uint8Array[], coefficients: number[]): Uint8Array {
  const t = f16Table();
  const h = inputs.map(halves);
  const n = h[0]!.length;
  const out = new Uint16Array(n);
  if (h.length === 1) {
    const a = h[0]!;
    const ca = coefficients[0]!;
    for (let j = 0; j < n; j++) {
      f[0] = ca * t[a[j]!]!;
      out[j] = toHalf(u[0]!);
    }
  } else if (h.length === 2) {
    const a = h[0]!;
    const b = h[1]!;
    const ca = coefficients[0]!;
    const cb = coefficients[1]!;
    for (let j = 0; j < n; j++) {
      f[0] = ca * t[a[j]!]! + cb * t[b[j]!]!;
      out[j] = toHalf(u[0]!);
    }
  } else {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < h.length; i++) s += coefficients[i]! * t[h[i]![j]!]!;
      f[0] = s;
      out[j] = toHalf(u[0]!);
    }
  }
  return new Uint8Array(out.buffer);
}
