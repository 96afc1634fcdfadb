// Byte parity with llama.cpp's quantizer: Chorus's encoders against ggml_quantize_chunk on awkward data, and a
// merge written as a k-quant mix against llama_model_quantize of the same model (tensor types and every byte).
// Both references run the llama.cpp build that node-llama-cpp ships (see ggml-reference.ts).
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { dequantize, quantize } from "../../../src/sidecar/gguf/codecs/index";
import { GgufReader } from "../../../src/sidecar/gguf/reader";
import { GgmlType, ggmlTypeName } from "../../../src/sidecar/gguf/types";
import { planFromFlags } from "../../../src/sidecar/merge/plan-from-flags";
import { K_MIXES, type KQuantMix } from "../../../src/sidecar/merge/quant-mix";
import { runMerge } from "../../../src/sidecar/merge/run";
import { makeModel } from "../merge/models";
import { ggmlDequantize, ggmlQuantize, llamaQuantizeModel, unavailable } from "./ggml-reference";
import { seededFloats, tempDir } from "./helpers";

const dir = tempDir("kquant-parity");

/** Rows of 512 values, each 256-value super-block of a different character: Gaussian-ish weights, all positive,
 * all zero, rare large outliers among tiny values, all negative, subnormal-small, integers (many ties), a constant. */
function awkwardValues(rows: number): Float32Array {
  const n = rows * 512;
  const u = seededFloats(n, 7);
  const v = seededFloats(n, 11);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const g = u[i]! + v[i]! * 0.5;
    switch ((i >> 8) % 8) {
      case 0:
        x[i] = g * 0.02;
        break;
      case 1:
        x[i] = Math.abs(g);
        break;
      case 2:
        x[i] = 0;
        break;
      case 3:
        x[i] = i % 97 === 0 ? 50 * g : g * 1e-3;
        break;
      case 4:
        x[i] = -Math.abs(g) * 3;
        break;
      case 5:
        x[i] = g * 1e-20;
        break;
      case 6:
        x[i] = Math.round(g * 8);
        break;
      default:
        x[i] = 0.25;
    }
  }
  return x;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  return a.findIndex((byte, i) => byte !== b[i]);
}

void describe("encoders are byte-identical to llama.cpp's reference quantizer", { skip: unavailable }, () => {
  const values = awkwardValues(64);
  const types = [GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0];
  for (const type of types) {
    void it(`${ggmlTypeName(type)}: same bytes as ggml_quantize_chunk`, () => {
      const ours = quantize(type, values);
      const ref = ggmlQuantize(type, values, 512, join(dir, ggmlTypeName(type)));
      const at = firstDifference(ours, ref);
      assert.equal(at, -1, `${ggmlTypeName(type)}: first differing byte at ${at} of ${ref.length}`);
    });
  }
});

void describe("types Chorus only reads decode exactly as llama.cpp decodes them", { skip: unavailable }, () => {
  // Blocks written by llama.cpp's own quantizer (Q2_K, Q3_K: the reference encoders; IQ4_NL/IQ4_XS/MXFP4: theirs
  // without an importance matrix), decoded by both sides.
  const values = awkwardValues(16);
  const cases: [GgmlType, string][] = [
    [GgmlType.Q2_K, "q2_K"],
    [GgmlType.Q3_K, "q3_K"],
    [GgmlType.IQ4_NL, "iq4_nl"],
    [GgmlType.IQ4_XS, "iq4_xs"],
    [GgmlType.MXFP4, "mxfp4"],
  ];
  for (const [type, cName] of cases) {
    void it(`${ggmlTypeName(type)}: the same floats as dequantize_row_${cName}`, () => {
      const scratch = join(dir, `dq-${cName}`);
      const bytes = ggmlQuantize(type, values, 512, scratch);
      const ours = dequantize(type, bytes, values.length);
      const ref = ggmlDequantize(cName, bytes, values.length, scratch);
      const at = ours.findIndex((v, i) => !Object.is(v, ref[i]));
      assert.equal(at, -1, `${ggmlTypeName(type)}: value ${at} is ${ours[at]}, llama.cpp says ${ref[at]}`);
      assert.ok(
        ref.some((v) => v !== 0),
        "the blocks are not all zero",
      );
    });
  }
});

void describe("a merge written as a k-quant mix is what llama-quantize writes", { skip: unavailable }, () => {
  // dim 256 fits super-blocks; ffn 320 does not (ffn_down falls back to Q5_0/Q5_1/Q8_0); 8 layers make the
  // attn_v/ffn_down "more bits" pattern visible; 4 heads over 2 KV heads is grouped-query attention.
  const shape = { dim: 256, layers: 8, heads: 4, kvHeads: 2, ffn: 320 };
  let source: Promise<string> | undefined; // made by the first test that runs, so a filtered run makes none
  const sourceModel = () => (source ??= makeModel(join(dir, "f32.gguf"), { seed: 5, shape }));
  for (const mix of Object.keys(K_MIXES) as KQuantMix[]) {
    void it(`${mix}: every tensor has llama.cpp's type and bytes`, async () => {
      const input = await sourceModel();
      const ref = join(dir, `ref-${mix}.gguf`);
      llamaQuantizeModel(input, ref, K_MIXES[mix].fileType);
      // A model averaged with itself is itself, so the merge encodes exactly the values llama-quantize reads.
      const merged = await runMerge({ plan: planFromFlags({ method: "linear", models: [input, input], dtype: mix }), out: join(dir, `merged-${mix}.gguf`) });
      const [a, b] = [await GgufReader.open(merged.path), await GgufReader.open(ref)];
      try {
        const types = new Set<string>();
        for (const want of b.tensors) {
          const got = a.requireTensor(want.name);
          types.add(ggmlTypeName(want.type));
          assert.equal(ggmlTypeName(got.type), ggmlTypeName(want.type), `${mix} ${want.name}: type`);
          const at = firstDifference(await a.readTensorBytes(got), await b.readTensorBytes(want));
          assert.equal(at, -1, `${mix} ${want.name} (${ggmlTypeName(want.type)}): first differing byte at ${at}`);
        }
        assert.ok(types.size >= 3, `${mix}: the mix should use several types, saw ${[...types].join(", ")}`);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  }
});
