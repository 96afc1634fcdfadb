// The k-quant encoders against Chorus's own decoders: what they write decodes back to the input within each
// format's step size (byte parity with llama.cpp is kquant-parity.test.ts), and awkward blocks stay well-formed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dequantize, quantize } from "../../../src/sidecar/gguf/codecs/index";
import { GgmlType, blockLayout, ggmlTypeName } from "../../../src/sidecar/gguf/types";
import { seededFloats } from "./helpers";

/** Roughly Gaussian weights (sum of two uniforms), like a model's. */
function weights(n: number, seed: number): Float32Array {
  const a = seededFloats(n, seed, 0.05);
  const b = seededFloats(n, seed + 1, 0.05);
  return a.map((x, i) => x + b[i]!);
}

function rms(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / x.length);
}

// Quantization levels per group, the group size they share a scale over, and the relative RMS error a correct
// encoder stays under on Gaussian weights (4, 5, 6 and 8 bits: each extra bit about halves it).
const CASES: [GgmlType, number, number, number][] = [
  [GgmlType.Q4_K, 16, 32, 0.1],
  [GgmlType.Q5_K, 32, 32, 0.05],
  [GgmlType.Q6_K, 64, 16, 0.025],
  [GgmlType.Q4_0, 16, 32, 0.12],
  [GgmlType.Q4_1, 16, 32, 0.1],
  [GgmlType.Q5_0, 32, 32, 0.06],
  [GgmlType.Q5_1, 32, 32, 0.05],
];

void describe("k-quant and legacy encoders round-trip through the decoders", () => {
  const x = weights(256 * 64, 3);
  for (const [type, levels, group, relRms] of CASES) {
    void it(`${ggmlTypeName(type)}: size, per-group error within one step, RMS error under ${relRms}`, () => {
      const bytes = quantize(type, x);
      const { blockSize, typeSize } = blockLayout(type);
      assert.equal(bytes.length, (x.length / blockSize) * typeSize);
      const y = dequantize(type, bytes, x.length);
      const err = y.map((v, i) => v - x[i]!);
      assert.ok(rms(err) / rms(x) < relRms, `relative RMS error ${rms(err) / rms(x)}`);
      for (let g = 0; g < x.length; g += group) {
        const slice = x.subarray(g, g + group);
        const range = Math.max(...slice, 0) - Math.min(...slice, 0);
        // One quantization step of the group (plus the 6-bit/8-bit scale's own rounding and fp16 d).
        const step = (range / (levels - 1)) * 1.15;
        const worst = Math.max(...err.subarray(g, g + group).map(Math.abs));
        assert.ok(worst <= step, `${ggmlTypeName(type)} group ${g / group}: error ${worst} > step ${step}`);
      }
    });
  }

  void it("zero, constant, tiny and mixed-scale blocks decode without NaN and stay close", () => {
    const x = new Float32Array(256 * 4);
    x.fill(0.75, 256, 512); // constant
    for (let i = 512; i < 768; i++) x[i] = (i % 7) * 1e-30; // far below fp16: scales flush to zero
    for (let i = 768; i < 1024; i++) x[i] = i % 64 === 0 ? 40 : 0.001 * (i % 5); // rare large outliers
    for (const type of [GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K]) {
      const y = dequantize(type, quantize(type, x), x.length);
      assert.ok(y.every(Number.isFinite), `${ggmlTypeName(type)}: finite`);
      assert.ok(
        y.subarray(0, 256).every((v) => v === 0),
        `${ggmlTypeName(type)}: zeros stay zero`,
      );
      for (let i = 256; i < 512; i++) assert.ok(Math.abs(y[i]! - 0.75) < 0.75 / 15, `${ggmlTypeName(type)} constant ${y[i]}`);
      for (let i = 512; i < 768; i++) assert.ok(Math.abs(y[i]!) < 1e-6, `${ggmlTypeName(type)} tiny ${y[i]}`);
      for (let i = 768; i < 1024; i += 64) assert.ok(Math.abs(y[i]! - 40) < 40 / 15, `${ggmlTypeName(type)} outlier ${y[i]}`);
    }
  });
});
