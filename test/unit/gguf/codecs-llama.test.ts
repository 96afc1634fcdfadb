// Chorus's decoders against llama.cpp's: a bigram-shaped model whose output.weight holds hand-packed blocks of each
// format turns a one-hot activation into logits[v] = W[v·dim + k], so llama.cpp's logits expose its decoding of
// every weight of column k, to be compared with ours.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { dequantize } from "../../../src/sidecar/gguf/codecs/index";
import { copyGguf } from "../../../src/sidecar/gguf/copy";
import { GgufReader } from "../../../src/sidecar/gguf/reader";
import { GgmlType, parseGgmlType } from "../../../src/sidecar/gguf/types";
import { makeBigramModel } from "../../../src/sidecar/testmodels/bigram";
import { buildBlocks } from "./block-builders";
import { tempDir } from "./helpers";
import { EVERY_BASE_TOKEN, logitsAfterEachToken, maxAbsDiff, withModel } from "./llama-harness";

const dir = tempDir("codecs-llama");
const V = 258;
// A Q8_0/Q8_1 activation turns the one-hot 1.0 into fp16(1/127)·127; Q8_K keeps a float scale (exact).
const Q8_ONE = 0.00787353515625 * 127;

void describe("block formats agree with llama.cpp", () => {
  const cases: [string, number, number, number][] = [
    // kind, block size, dim, activation scale
    ["q4_0", 32, 288, Q8_ONE],
    ["q4_1", 32, 288, Q8_ONE],
    ["q5_0", 32, 288, Q8_ONE],
    ["q5_1", 32, 288, Q8_ONE],
    ["q4_k", 256, 512, 1],
    ["q5_k", 256, 512, 1],
    ["q6_k", 256, 512, 1],
  ];
  for (const [kind, block, dim, scale] of cases) {
    void it(`${kind}: llama.cpp's logits equal Chorus's decoded weights`, async () => {
      const type = parseGgmlType(kind)!;
      const built = buildBlocks(kind, (V * dim) / block, 99);
      const m = await makeBigramModel({ corpus: "x", out: join(dir, `${kind}.gguf`), dim, outputWeight: { type, bytes: built.bytes } });
      const ours = dequantize(type, built.bytes, V * dim);
      await withModel(m.path, async (model) => {
        // Every input token selects a different column k, so all 258 rows together check every position of a block.
        const rows = await logitsAfterEachToken(model, EVERY_BASE_TOKEN);
        for (const [i, token] of EVERY_BASE_TOKEN.entries()) {
          const k = m.table.rowOf(token);
          const expected = Float64Array.from({ length: V }, (_, v) => ours[v * dim + k]! * scale);
          const diff = maxAbsDiff(rows[i]!, expected);
          const range = Math.max(...expected.map(Math.abs));
          assert.ok(range > 0.1, "the test weights are not trivially small");
          assert.ok(diff < 1e-3 * Math.max(1, range), `${kind}, after token ${token}: |llama − ours| = ${diff} (range ${range})`);
        }
      });
    });
  }
});

void describe("re-encoding a model keeps its logits (copyGguf)", () => {
  for (const target of ["f16", "bf16", "q8_0"] as const) {
    void it(`F32 → ${target}: llama.cpp's logits match the decoded tensor and stay close to the original`, async () => {
      const src = await makeBigramModel({ corpus: "const a = b + c;\nlet d = a * 2;\n", out: join(dir, `src-${target}.gguf`), dim: 288 });
      const out = join(dir, `re-${target}.gguf`);
      const type = parseGgmlType(target)!;
      await copyGguf({ input: src.path, out, convertTensor: (t) => (t.dims.length === 2 ? type : undefined) });
      const r = await GgufReader.open(out);
      const t = r.requireTensor("output.weight");
      assert.equal(t.type, type);
      const w = await r.readTensorFloat32(t);
      assert.equal(r.requireTensor("output_norm.weight").type, GgmlType.F32);
      await r.close();
      const before = await withModel(src.path, (model) => logitsAfterEachToken(model, EVERY_BASE_TOKEN));
      const after = await withModel(out, (model) => logitsAfterEachToken(model, EVERY_BASE_TOKEN));
      for (const [i, token] of EVERY_BASE_TOKEN.entries()) {
        const k = src.table.rowOf(token);
        const decoded = Float64Array.from({ length: V }, (_, v) => w[v * 288 + k]!);
        // llama.cpp multiplies a Q8_0 weight by a Q8_0-quantized activation, and how that rounds the one-hot 1.0
        // depends on the CPU kernel that handles the position (fp16(1/127)·127 on AVX2/AVX-512, about 1.0019 in
        // Sapphire Rapids' AMX tiles, whose batch tail goes the AVX-512 way), so for q8_0 each position's scale is
        // fitted; every weight must then match to 2e-3.
        const scale = target === "q8_0" ? fittedScale(after[i]!, decoded) : 1;
        assert.ok(Math.abs(scale - 1) < 5e-3, `${target} after token ${token}: llama.cpp's activation scale ${scale} is not close to 1`);
        const expected = decoded.map((x) => x * scale);
        assert.ok(maxAbsDiff(after[i]!, expected) < 2e-3, `${target} after token ${token}: logits = decoded weights`);
        assert.ok(maxAbsDiff(after[i]!, before[i]!) < (target === "q8_0" ? 0.1 : 0.05), `${target} after token ${token}: close to the F32 model`);
      }
    });
  }
});

/** The least-squares s in logits ≈ s·decoded. */
function fittedScale(logits: Float64Array, decoded: Float64Array): number {
  let num = 0;
  let den = 0;
  logits.forEach((x, v) => ((num += x * decoded[v]!), (den += decoded[v]! ** 2)));
  return num / den;
}
