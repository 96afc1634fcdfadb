// A faster float32 → F16 encoder for merge output, bit-identical to the codec in gguf/codecs/half.ts (a test
// checks every class of value). Merging is bound by per-value work, and the generic encoder goes through a
// shared scratch float per value; this one reads the float bits directly and needs float arithmetic only for
// subnormal halves, so writing F16 no longer dominates a merge.
import { quantize } from "../gguf/codecs/index";
import { GgmlType } from "../gguf/types";

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

export function encodeF16(values: Float32Array): Uint8Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < bits.length; i++) {
    const x = bits[i]!;
    const sign = (x >>> 16) & 0x8000;
    const abs = x & 0x7fffffff;
    if (abs >= 0x38800000 && abs < 0x477ff000) {
      // Normal half: rebias the exponent (127 → 15) and round the 13 dropped mantissa bits to nearest even.
      out[i] = sign | ((abs - 0x38000000 + 0xfff + ((abs >>> 13) & 1)) >>> 13);
    } else if (abs < 0x38800000) {
      // Subnormal half (or zero): adding 0.5 puts the value's 2⁻²⁴ units in the float's low mantissa bits, and
      // the float32 rounding of that sum is exactly round-to-nearest-even. (The double sum itself is exact.)
      scratchBits[0] = abs;
      scratch[0] = scratch[0]! + 0.5;
      out[i] = sign | (scratchBits[0]! - 0x3f000000);
    } else {
      // Too large for a half → infinity; NaN stays a quiet NaN.
      out[i] = sign | (abs > 0x7f800000 ? 0x7e00 : 0x7c00);
    }
  }
  return new Uint8Array(out.buffer);
}

/** Encode merged values as the output tensor's type, taking the fast path for F16. */
export function encodeTensor(type: GgmlType, values: Float32Array): Uint8Array {
  return type === GgmlType.F16 ? encodeF16(values) : quantize(type, values);
}
