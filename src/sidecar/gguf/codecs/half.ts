// IEEE half (F16) and bfloat16 conversions, bit-exact with ggml: round-to-nearest-even on the way down, NaN kept a
// (quiet) NaN. Decoding F16 goes through a 65536-entry table because merges decode billions of values.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero and subnormals
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

let table: Float32Array | undefined;
/** F16 bits → float, for every one of the 65536 bit patterns. */
export function f16Table(): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = f16BitsToF32(h);
  }
  return table;
}

export function f32ToF16Bits(x: number): number {
  f32[0] = x;
  return f32BitsToF16Bits(u32[0]!);
}

/** The F16 bits nearest to the float32 with these bits (ties to even). Works on bits so bulk encoders can read a
 * Uint32Array view of their input instead of round-tripping every value through a scratch buffer. */
export function f32BitsToF16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 112; // rebias 127 → 15
  const mant = bits & 0x7fffff;
  if (exp > 0 && exp < 0x1f) {
    const half = (exp << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    // A carry out of the mantissa correctly bumps the exponent (and can reach infinity).
    return sign | (rest > 0x1000 || (rest === 0x1000 && half & 1) ? half + 1 : half);
  }
  if (exp === 0xff - 112) return sign | 0x7c00 | (mant ? 0x200 : 0); // infinity, NaN
  if (exp >= 0x1f) return sign | 0x7c00; // too large: infinity, as ggml does
  if (exp < -10) return sign; // below half the smallest subnormal: zero
  const full = mant | 0x800000;
  const shift = 14 - exp;
  const half = full >>> shift;
  const rest = full & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  return sign | (rest > halfway || (rest === halfway && half & 1) ? half + 1 : half);
}

export function bf16BitsToF32(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0]!;
}

export function f32ToBf16Bits(x: number): number {
  f32[0] = x;
  return f32BitsToBf16Bits(u32[0]!);
}

export function f32BitsToBf16Bits(bits: number): number {
  const hi = (bits >>> 16) & 0xffff;
  if ((hi & 0x7fff) > 0x7f80 || ((hi & 0x7fff) === 0x7f80 && (bits & 0xffff) !== 0)) return hi | 0x40; // NaN stays NaN (quiet)
  // Round to nearest even on the low 16 bits; done in two halves so the sum never leaves 32-bit integers.
  return (hi + (((bits & 0xffff) + 0x7fff + (hi & 1)) >>> 16)) & 0xffff;
}
