// The merge's fast F16 encoder must write exactly what the GGUF codec writes, for every kind of value.
import { test } from "node:test";
import assert from "node:assert/strict";
import { dequantizeF16, quantizeF16 } from "../../../src/sidecar/gguf/codecs/float";
import { weightedSumF16 } from "../../../src/sidecar/merge/f16-weighted-sum";
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

/**
 * Σ cᵢ·xᵢ in float32, written apart from weightedSum: every coefficient, product and sum through Math.fround;
 * three or more inputs start from +0, one or two from −0 (so the sum's sign of zero is the first product's).
 * `round` = (x) => x gives the same sum in double precision.
 */
function referenceSum(decoded: Float32Array[], coefficients: number[], round: (x: number) => number = Math.fround): Float32Array {
  const out = new Float32Array(decoded[0]!.length);
  for (let j = 0; j < out.length; j++) {
    let s = coefficients.length >= 3 ? 0 : -0;
    for (let i = 0; i < coefficients.length; i++) s = round(s + round(round(coefficients[i]!) * decoded[i]![j]!));
    out[j] = s;
  }
  return out;
}

void test("the F16 weighted-sum kernel and weightedSum equal a float32 reference: every half in every lane, subnormals, overflow, NaN, odd lengths", () => {
  const r = mulberry32(7);
  // Every one of the 65536 halves in each of the kernel's 8 lanes against a random partner, then random pairs;
  // 3 extra values leave a tail that is not a multiple of the kernel's 8-value step.
  const every = 8 * 65536;
  const n = every + 50_003;
  const a = new Uint16Array(n);
  const b = new Uint16Array(n);
  const c = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = i < every ? ((i >>> 3) + (i & 7) * 8191) & 0xffff : (r() * 0x10000) & 0xffff;
    b[i] = (r() * 0x10000) & 0xffff;
    c[i] = (r() * 0x10000) & 0xffff;
  }
  for (let i = 0; i < 64; i++) [a[i], b[i]] = [0x7bff, 0x7bff]; // 65504 + 65504 overflows to infinity
  [a[64], b[64]] = [0x7c00, 0xfc00]; // +∞ + −∞ is NaN
  for (const coefficients of [[0.5, 0.5], [1e-3, -2e-3], [1], [-1], [0.2, 0.3, 0.5], [0.1, -0.7, 1.3, 0.25], [1.3, -0.3]]) {
    for (const length of [n, 5, 8, 13]) {
      const inputs = [a, b, c, b].slice(0, coefficients.length).map((h) => new Uint8Array(h.slice(0, length).buffer));
      const decoded = inputs.map((bytes) => dequantizeF16(bytes, length));
      const expected = encodeF16(referenceSum(decoded, coefficients));
      const label = `coefficients ${coefficients.join(",")}, ${length} values`;
      assert.deepEqual(weightedSumF16(inputs, coefficients), expected, `kernel, ${label}`);
      assert.deepEqual(encodeF16(weightedSum(decoded, coefficients)), expected, `weightedSum, ${label}`);
    }
  }
  // The data tells float32 from double arithmetic, so a kernel summing in double would fail above.
  const decoded = [a, b, c].map((h) => dequantizeF16(new Uint8Array(h.buffer), n));
  for (const coefficients of [
    [1.3, -0.3],
    [0.2, 0.3, 0.5],
  ])
    assert.notDeepEqual(encodeF16(referenceSum(decoded, coefficients, (x) => x)), encodeF16(referenceSum(decoded, coefficients)));
});

void test("the F16 weighted-sum kernel refuses inputs of different lengths", () => {
  assert.throws(() => weightedSumF16([new Uint8Array(8), new Uint8Array(6)], [0.5, 0.5]), /one length/);
  assert.throws(() => weightedSumF16([new Uint8Array(8)], [0.5, 0.5]), /1 inputs but 2 coefficients/);
});

void test("the fused kernel reads only its own bytes from Buffers that are slices of a shared pool", () => {
  // Small Buffers share Node's pool: their .buffer holds other data too.
  const a = Buffer.from(new Uint8Array(new Uint16Array([0x3c00, 0x4000, 0xc000, 0x3800]).buffer));
  const b = Buffer.from(new Uint8Array(new Uint16Array([0x3c00, 0x3c00, 0x3c00, 0x3c00]).buffer));
  assert.ok(a.buffer.byteLength > a.byteLength, "expected a pooled Buffer");
  const out = new Uint16Array(weightedSumF16([a, b], [0.5, 0.5]).buffer);
  assert.deepEqual([...out], [0x3c00, 0x3e00, 0xb800, 0x3a00]); // 1, 1.5, −0.5, 0.75
});
