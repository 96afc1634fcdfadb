// The merge's fast F16 encoder must write exactly what the GGUF codec writes, for every kind of value.
import { test } from "node:test";
import assert from "node:assert/strict";
import { dequantizeF16, quantizeF16 } from "../../../src/sidecar/gguf/codecs/float";
import { weightedSumF16 } from "../../../src/sidecar/merge/f16-workers";
import { weightedSum } from "../../../src/sidecar/merge/methods/linear";
import { encodeF16 } from "../../../src/sidecar/merge/f16-encode";
import { mulberry32 } from "../../../src/sidecar/random";

void test("encodeF16 is bit-identical to the codec: random floats across all magnitudes, halfway cases, specials", () => {
  const r = mulberry32(42);
  const bits = new Uint32Array(400_000);
  for (let i = 0; i < bits.length; i++) bits[i] = (r() * 2 ** 32) >>> 0; // every exponent, NaNs and infinities included
  const values = new Float32Array(bits.buffer);
  assert.deepEqual(encodeF16(values), quantizeF16(values));
  // Exact halfway points between neighbouring halves (normal and subnormal), and the overflow boundary.
  const edge: number[] = [0, -0, 65504, 65519.99, 65520, -65520, 1e-8, 2 ** -25, 3 * 2 ** -25, 2 ** -14, 2 ** -14 - 2 ** -25];
  for (let h = 1; h < 0x7c00; h += 97) {
    // h read as a subnormal plus half a subnormal step, and h's normal value plus half its step
    edge.push(h * 2 ** -24 + 2 ** -25, (1 + (h & 0x3ff) / 1024 + 1 / 2048) * 2 ** (((h >>> 10) & 0x1f) - 15));
  }
  const e = new Float32Array(edge);
  assert.deepEqual(encodeF16(e), quantizeF16(e));
});

void test("the fused F16 weighted-sum kernel equals decode → weighted sum → encode, subnormals and overflow included", () => {
  const r = mulberry32(7);
  const n = 50_000;
  const a = new Uint16Array(n);
  const b = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = (r() * 0x10000) & 0xffff;
    b[i] = (r() * 0x10000) & 0xffff;
  }
  for (let i = 0; i < 64; i++) [a[i], b[i]] = [0x7bff, 0x7bff]; // 65504 + 65504 overflows to infinity
  for (const coefficients of [[0.5, 0.5], [1e-3, -2e-3], [1], [0.2, 0.3, 0.5]]) {
    const inputs = [a, b, a].slice(0, coefficients.length).map((h) => new Uint8Array(h.slice().buffer));
    const decoded = inputs.map((bytes) => dequantizeF16(bytes, n));
    assert.deepEqual(weightedSumF16(inputs, coefficients), encodeF16(weightedSum(decoded, coefficients)), `coefficients ${coefficients.join(",")}`);
  }
});

void test("the fused kernel reads only its own bytes from Buffers that are slices of a shared pool", () => {
  // Small Buffers share Node's pool: their .buffer holds other data too.
  const a = Buffer.from(new Uint8Array(new Uint16Array([0x3c00, 0x4000, 0xc000, 0x3800]).buffer));
  const b = Buffer.from(new Uint8Array(new Uint16Array([0x3c00, 0x3c00, 0x3c00, 0x3c00]).buffer));
  assert.ok(a.buffer.byteLength > a.byteLength, "expected a pooled Buffer");
  const out = new Uint16Array(weightedSumF16([a, b], [0.5, 0.5]).buffer);
  assert.deepEqual([...out], [0x3c00, 0x3e00, 0xb800, 0x3a00]); // 1, 1.5, −0.5, 0.75
});
