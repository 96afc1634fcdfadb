// The SIMD k-quant kernel runs four groups in the four lanes of each f32x4 (kernels/kquant-fit.wat), and turns
// ggml's per-group branches into per-lane masks: a new best scale (make_qkx2_quants' `error < best_error`,
// make_qx_quants' `sumlx*sumlx > best*suml2`), a refused positive min, a flat or all-zero group (`max == min`,
// `amax < GROUP_MAX_EPS`), the largest-magnitude value. Here super-blocks whose neighbouring groups take those
// branches differently must still give llama.cpp's bytes (ggml_quantize_chunk, through ggml-reference.ts), and
// kernels rebuilt with one mask broadcast from lane 0 (every lane taking lane 0's branch) must not; nor one whose
// exact fallback for make_qkx2_quants' quants (taken where the fast rounding is not proven equal) is broken.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { quantize } from "../../../src/sidecar/gguf/codecs/index";
import { useFitKernelForTests } from "../../../src/sidecar/gguf/codecs/kquant-fit";
import { scaleMinK4 } from "../../../src/sidecar/gguf/codecs/kquants";
import { GgmlType, ggmlTypeName } from "../../../src/sidecar/gguf/types";
// @ts-expect-error: a plain ESM script without type declarations
import { assembleWat } from "../../../scripts/build-wasm.mjs";
import { ggmlQuantize, unavailable } from "./ggml-reference";
import { seededFloats, tempDir } from "./helpers";

const dir = tempDir("kquant-lanes");
const WAT = join(__dirname, "../../../src/sidecar/gguf/codecs/kernels/kquant-fit.wat");
const TYPES = [GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K];

/** Ways a 16-value stretch can look; each 32-value group (Q4_K/Q5_K) is two stretches, each Q6_K group one. */
const KINDS: ((g: number, i: number) => number)[] = [
  (g) => g, // Gaussian-ish around 0
  () => 0, // all zero: flat (qkx2), all-zero (qx)
  (g) => -Math.abs(g) * 2, // negative only
  (g) => g * 1e-4, // tiny next to unit-sized groups: its 6-bit/int8 scale rounds to 0, so its fitted quants stay
  (g) => 0.5 + Math.abs(g) * 0.5, // positive only: the least-squares min comes out positive and is refused
  () => -0.375, // a negative constant: flat in make_qkx2_quants (max == min < 0)
  (g, i) => (i % 16 === 5 ? 40 * g : g * 1e-3), // one outlier among small values
  (g) => Math.round(g * 6) / 2, // halves: many ties in nearest_int
  (g) => g * 3e4, // huge (the fp16 super-block scale still finite)
  (g, i) => (i % 2 ? 9e-16 : -1.1e-15) * (1 + Math.abs(g)), // about GROUP_MAX_EPS: some groups just under it
  (g, i) => (i % 3 ? -0 : g * 1e-2), // negative zeros among small values
  (g) => g * g * g * 5, // heavy tails
  (g) => Math.abs(g) * 1e-44, // positive subnormals: nmax/(max − min) overflows to infinity
  (g, i) => (i % 4 ? g * 1e-42 : 0), // subnormals of both signs and zeros
];

/** Super-blocks whose 16-value stretches pick their kind at random, so every combination of lanes comes up; the
 * last eight only among the subnormal kinds (whole blocks of them: fp16 d and dmin are 0, so every quant is the
 * fit's own). */
function laneStressValues(superBlocks: number): Float32Array {
  const n = superBlocks * 256;
  const g = seededFloats(n, 21);
  const pick = seededFloats(n / 16, 22);
  const x = new Float32Array(n);
  for (let s = 0; s < n / 16; s++) {
    const kinds = s < n / 16 - 8 * 16 ? KINDS : KINDS.slice(-2);
    const kind = kinds[Math.floor(((pick[s]! + 1) / 2) * kinds.length) % kinds.length]!;
    for (let i = 0; i < 16; i++) x[16 * s + i] = kind(g[16 * s + i]!, i);
  }
  return x;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  return a.findIndex((byte, i) => byte !== b[i]);
}

/** The kernel built from its .wat source as `mutate` changes it. */
async function mutatedKernel(label: string, mutate: (text: string) => string): Promise<Uint8Array<ArrayBuffer>> {
  const text = readFileSync(WAT, "utf8");
  const mutated = mutate(text);
  assert.notEqual(mutated, text, `${label}: the kernel has changed, update this test`);
  return (await assembleWat(`${label}.wat`, mutated)) as Uint8Array<ArrayBuffer>;
}

/** Every use of the mask `name` replaced by its lane 0 broadcast to all four lanes. */
function lane0Mask(name: string): (text: string) => string {
  const use = `(local.get $${name})`;
  return (text) => text.split(use).join(`(i32x4.splat (i32x4.extract_lane 0 ${use}))`);
}

/** make_qkx2_quants' exact fallback (nearest_int itself, where the float-rounded quants are not proven equal)
 * clamping its quants to [1, nmax] instead of [0, nmax]. */
function brokenExactFallback(text: string): string {
  const loop = text.indexOf("(loop $sumExact");
  const clamp = "(v128.const i32x4 0 0 0 0) (local.get $hi)";
  const at = loop < 0 ? -1 : text.indexOf(clamp, loop);
  return at < 0 ? text : text.slice(0, at) + "(v128.const i32x4 1 1 1 1) (local.get $hi)" + text.slice(at + clamp.length);
}

/** Asserts that the encoders, running `kernel`, write other bytes than llama.cpp for each of `types`. */
async function assertNoticed(
  label: string,
  kernel: Promise<Uint8Array<ArrayBuffer>>,
  types: GgmlType[],
  values: Float32Array,
  reference: (t: GgmlType) => Uint8Array,
): Promise<void> {
  useFitKernelForTests(await kernel);
  try {
    for (const type of types) {
      const at = firstDifference(quantize(type, values), reference(type));
      assert.notEqual(at, -1, `${ggmlTypeName(type)}: ${label} went unnoticed`);
    }
  } finally {
    useFitKernelForTests(undefined);
  }
}

void describe("the SIMD k-quant kernel keeps each lane's branches its own", { skip: unavailable }, () => {
  const values = laneStressValues(512);
  const refs = new Map<GgmlType, Uint8Array>();
  // llama.cpp's bytes, made by the first test that needs them (a filtered or skipped run makes none).
  const reference = (t: GgmlType): Uint8Array => {
    if (!refs.has(t)) refs.set(t, ggmlQuantize(t, values, 512, join(dir, ggmlTypeName(t))));
    return refs.get(t)!;
  };
  after(() => useFitKernelForTests(undefined));

  for (const type of TYPES) {
    void it(`${ggmlTypeName(type)}: same bytes as ggml_quantize_chunk on mixed neighbouring groups`, () => {
      const at = firstDifference(quantize(type, values), reference(type));
      assert.equal(at, -1, `${ggmlTypeName(type)}: first differing byte at ${at}`);
    });
  }

  void it("the data reaches the fit's own quants: groups whose stored scale is 0 although they are not all zero", () => {
    // Elsewhere the quants are recomputed from the stored scales, so only here do the fit's choices show directly.
    const bytes = reference(GgmlType.Q4_K);
    let kept = 0;
    for (let b = 0; b < values.length / 256; b++) {
      for (let j = 0; j < 8; j++) {
        const group = values.subarray(256 * b + 32 * j, 256 * b + 32 * j + 32);
        if (scaleMinK4(j, bytes, 144 * b + 4)[0] === 0 && group.some((v) => v !== 0)) kept++;
      }
    }
    assert.ok(kept >= 100, `only ${kept} such groups`);
  });

  // Each mask and the encoders whose bytes it decides.
  const MASKS: [string, GgmlType[]][] = [
    ["win", TYPES], // a new best candidate (both searches)
    ["pos", [GgmlType.Q4_K, GgmlType.Q5_K]], // a positive least-squares min refused
    ["flat", [GgmlType.Q4_K, GgmlType.Q5_K]], // max == min
    ["m", [GgmlType.Q6_K]], // a new largest magnitude
    ["zero", [GgmlType.Q6_K]], // an all-zero group
  ];
  for (const [mask, types] of MASKS) {
    void it(`a kernel whose lanes all follow lane 0's $${mask} writes other bytes`, async () => {
      await assertNoticed(`lane 0's $${mask} for every lane`, mutatedKernel(`lane0-${mask}`, lane0Mask(mask)), types, values, reference);
    });
  }

  void it("the data takes make_qkx2_quants' exact fallback (subnormal ranges): breaking it writes other bytes", async () => {
    const types = [GgmlType.Q4_K, GgmlType.Q5_K];
    await assertNoticed("a broken exact fallback", mutatedKernel("broken-fallback", brokenExactFallback), types, values, reference);
  });
});
