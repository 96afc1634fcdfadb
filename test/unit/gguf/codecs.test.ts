import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from "../../../src/sidecar/gguf/codecs/half";
import { dequantize, quantize } from "../../../src/sidecar/gguf/codecs/index";
import { GgmlType } from "../../../src/sidecar/gguf/types";
import { buildBlocks } from "./block-builders";
import { seededFloats } from "./helpers";

function maxRelErr(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), 1e-30));
  return m;
}

void describe("half and bfloat16 conversions", () => {
  void it("encode known values exactly, rounding to nearest even", () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [65504, 0x7bff],
      [65520, 0x7c00],
      [1e6, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -14, 0x0400],
      [2 ** -24, 0x0001],
      [2 ** -25, 0x0000],
      [3 * 2 ** -26, 0x0001],
      [-0, 0x8000],
      [1 + 2 ** -11, 0x3c00],
      [1 + 3 * 2 ** -11, 0x3c02],
      [2047 * 2 ** -25, 0x0400],
    ];
    for (const [x, h] of cases) assert.equal(f32ToF16Bits(x), h, `f16(${x})`);
    assert.equal(f32ToF16Bits(NaN) & 0x7e00, 0x7e00);
    assert.equal(f32ToBf16Bits(1), 0x3f80);
    assert.equal(f32ToBf16Bits(bf16BitsToF32(0x3f80) + 2 ** -8), 0x3f80, "tie rounds to even (down)");
    assert.equal(f32ToBf16Bits(1 + 3 * 2 ** -8), 0x3f82, "tie rounds to even (up)");
    assert.ok(Number.isNaN(bf16BitsToF32(f32ToBf16Bits(NaN))));
  });

  void it("round-trip every one of the 65536 bit patterns", () => {
    for (let h = 0; h < 65536; h++) {
      const f = f16BitsToF32(h);
      if (Number.isNaN(f)) assert.ok(Number.isNaN(f16BitsToF32(f32ToF16Bits(f))));
      else assert.equal(f32ToF16Bits(f), h, `f16 pattern ${h.toString(16)}`);
      const g = bf16BitsToF32(h);
      if (!Number.isNaN(g)) assert.equal(f32ToBf16Bits(g), h, `bf16 pattern ${h.toString(16)}`);
    }
  });
});

void describe("float codecs", () => {
  const x = seededFloats(4096, 11, 50);
  void it("F32 is exact; F16 and BF16 are within half a unit in the last place", () => {
    assert.deepEqual(dequantize(GgmlType.F32, quantize(GgmlType.F32, x), x.length), x);
    assert.ok(maxRelErr(dequantize(GgmlType.F16, quantize(GgmlType.F16, x), x.length), x) <= 2 ** -11 + 1e-9);
    assert.ok(maxRelErr(dequantize(GgmlType.BF16, quantize(GgmlType.BF16, x), x.length), x) <= 2 ** -8 + 1e-9);
    // Decoding does not depend on the bytes being aligned.
    const bytes = quantize(GgmlType.F16, x);
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    assert.deepEqual(dequantize(GgmlType.F16, shifted, x.length), dequantize(GgmlType.F16, bytes, x.length));
  });
});

void describe("Q8_0", () => {
  void it("packs fp16 scale then 32 int8 quants, and is exact for values on the grid", () => {
    const d = 0.5;
    const values = Float32Array.from({ length: 32 }, (_, j) => (j === 0 ? 127 * d : (j - 16) * d));
    const bytes = quantize(GgmlType.Q8_0, values);
    assert.equal(bytes.length, 34);
    assert.equal(bytes[0]! | (bytes[1]! << 8), f32ToF16Bits(d));
    assert.equal(bytes[2], 127);
    assert.equal((bytes[3]! << 24) >> 24, -15);
    assert.deepEqual(dequantize(GgmlType.Q8_0, bytes, 32), values);
  });

  void it("round-trips within half a step per block, rounding halves away from zero", () => {
    const x = seededFloats(32 * 64, 5, 3);
    const y = dequantize(GgmlType.Q8_0, quantize(GgmlType.Q8_0, x), x.length);
    for (let b = 0; b < 64; b++) {
      let amax = 0;
      for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b * 32 + j]!));
      const step = amax / 127;
      for (let j = 0; j < 32; j++) assert.ok(Math.abs(x[b * 32 + j]! - y[b * 32 + j]!) <= step * 0.5 + amax * 2 ** -11);
    }
    const halves = Float32Array.from({ length: 32 }, (_, j) => (j === 0 ? 127 : j === 1 ? -2.5 : 2.5));
    const q = quantize(GgmlType.Q8_0, halves);
    assert.equal((q[3]! << 24) >> 24, -3);
    assert.equal(q[4], 3);
    assert.deepEqual(quantize(GgmlType.Q8_0, new Float32Array(32)), new Uint8Array(34), "all zeros: d = 0, no NaN");
  });
});

void describe("block formats decoded from hand-packed blocks", () => {
  const kinds: [string, GgmlType, number][] = [
    ["q4_0", GgmlType.Q4_0, 32],
    ["q4_1", GgmlType.Q4_1, 32],
    ["q5_0", GgmlType.Q5_0, 32],
    ["q5_1", GgmlType.Q5_1, 32],
    ["q4_k", GgmlType.Q4_K, 256],
    ["q5_k", GgmlType.Q5_K, 256],
    ["q6_k", GgmlType.Q6_K, 256],
  ];
  for (const [kind, type, block] of kinds) {
    void it(`${kind}: every weight equals the value its quant, scale and min give`, () => {
      const { bytes, values } = buildBlocks(kind, 5, 1234);
      const decoded = dequantize(type, bytes, 5 * block);
      for (let i = 0; i < values.length; i++)
        assert.ok(Math.abs(decoded[i]! - values[i]!) <= 1e-6 * Math.max(1, Math.abs(values[i]!)), `${kind} weight ${i}: ${decoded[i]} vs ${values[i]}`);
    });
  }

  void it("refuses what it cannot do, with a message saying what it can", () => {
    assert.throws(() => dequantize(GgmlType.IQ2_XXS, new Uint8Array(66), 256), /cannot decode IQ2_XXS.*F32, F16/);
    assert.throws(
      () => quantize(GgmlType.Q2_K, new Float32Array(256)),
      /cannot write Q2_K tensors; choose one of F32, F16, Q4_0.*Q8_0, Q4_K, Q5_K, Q6_K, BF16/,
    );
    assert.throws(() => quantize(GgmlType.Q4_K, new Float32Array(320)), /Q4_K encodes whole blocks of 256 values; 320 is not a multiple/);
    assert.throws(() => quantize(GgmlType.Q8_0, new Float32Array(33)), /whole blocks of 32/);
    assert.throws(() => dequantize(GgmlType.Q8_0, new Uint8Array(10), 32), /need 34 bytes/);
  });
});
