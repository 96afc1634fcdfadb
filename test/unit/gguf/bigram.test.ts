import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { GgufReader } from "../../../src/sidecar/gguf/reader";
import { GgmlType } from "../../../src/sidecar/gguf/types";
import { bigramTable, makeBigramModel, type BigramTable } from "../../../src/sidecar/testmodels/bigram";
import { BOS_ID, EOS_ID } from "../../../src/sidecar/testmodels/byte-vocab";
import { makeRandomModel } from "../../../src/sidecar/testmodels/random";
import { readBigramTable } from "../../../src/sidecar/testmodels/stored-table";
import { EVERY_BASE_TOKEN, logSoftmax, logitsAfterEachToken, maxAbsDiff, nextLogits, withModel } from "./llama-harness";
import { tempDir } from "./helpers";

const dir = tempDir("bigram");
const corpus = [
  "export function add(a: number, b: number): number {\n  return a + b;\n}\n",
  "const total = items.reduce((sum, item) => sum + item.price, 0);\nconsole.log(`total: ${total}`);\n",
];
const prompts = [[BOS_ID], [BOS_ID, ...Buffer.from("export")], [BOS_ID, ...Buffer.from("const t")], [BOS_ID, ...Buffer.from("a + b;\n")]];

function logSumExp(row: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < row.length; i++) m = Math.max(m, row[i]!);
  let s = 0;
  for (let i = 0; i < row.length; i++) s += Math.exp(row[i]! - m);
  return m + Math.log(s);
}

/** What llama.cpp should output after `prev`, computed from the file's own (dequantized) output.weight. */
async function storedLogits(path: string, table: BigramTable, prev: number): Promise<Float64Array> {
  const r = await GgufReader.open(path);
  try {
    const t = r.requireTensor("output.weight");
    const [dim, vocab] = t.dims as [number, number];
    const w = await r.readTensorFloat32(t);
    return Float64Array.from({ length: vocab }, (_, v) => w[v * dim + table.rowOf(prev)]!);
  } finally {
    await r.close();
  }
}

void describe("bigramTable", () => {
  void it("is the add-α estimate, counted independently here for a tiny corpus", () => {
    const alpha = 0.5;
    const t = bigramTable(["abab", "b"], { smoothing: alpha });
    const V = 258;
    const a = 97,
      b = 98;
    // After "a": b twice. After "b": a once, EOS twice. After BOS: a once, b once.
    assert.ok(Math.abs(t.logProb(a, b) - Math.log((2 + alpha) / (2 + alpha * V))) < 1e-12);
    assert.ok(Math.abs(t.logProb(a, a) - Math.log(alpha / (2 + alpha * V))) < 1e-12);
    assert.ok(Math.abs(t.logProb(b, EOS_ID) - Math.log((2 + alpha) / (3 + alpha * V))) < 1e-12);
    assert.ok(Math.abs(t.logProb(BOS_ID, a) - Math.log((1 + alpha) / (2 + alpha * V))) < 1e-12);
    assert.ok(Math.abs(t.logProb(EOS_ID, a) - Math.log(1 / V)) < 1e-12, "nothing follows EOS: uniform");
  });

  void it("gives normalized rows, also when padded to a larger vocabulary", () => {
    const t = bigramTable(corpus, { vocabSize: 1000, smoothing: 0.1 });
    assert.equal(t.rows, 259);
    for (const prev of [BOS_ID, 97, 10, EOS_ID, 500, 999]) assert.ok(Math.abs(logSumExp(t.row(prev))) < 1e-9, `row ${prev} sums to 1`);
    assert.equal(t.rowOf(777), 258);
    assert.ok(Math.abs(t.logProb(600, 5) - Math.log(1 / 1000)) < 1e-12, "after a padding token: uniform");
    assert.throws(() => t.logProb(1000, 0), /outside the vocabulary/);
    assert.throws(() => bigramTable("x", { smoothing: 0 }), /smoothing must be a positive number/);
  });
});

void describe("makeBigramModel loaded in llama.cpp", () => {
  void it("F32: llama.cpp's next-token log-softmax equals the table, and bytes tokenize to their own ids", async () => {
    const m = await makeBigramModel({ corpus, out: join(dir, "f32.gguf"), name: "test f32" });
    await withModel(m.path, async (model) => {
      assert.deepEqual(model.tokenize("a+\n é"), [...Buffer.from("a+\n é")]);
      assert.equal(model.tokens.bos, BOS_ID);
      assert.equal(model.tokens.eos, EOS_ID);
      const rows = await nextLogits(model, prompts);
      for (const [i, p] of prompts.entries()) {
        const expected = m.table.row(p[p.length - 1]!);
        assert.ok(maxAbsDiff(logSoftmax(rows[i]!), expected) < 1e-4, `prompt ${i}: log-softmax = table`);
        assert.ok(maxAbsDiff(rows[i]!, expected) < 1e-4, `prompt ${i}: raw logits = table`);
      }
      // Every row of the table, read in one pass (after each token, a bigram's output depends on that token only).
      const all = await logitsAfterEachToken(model, EVERY_BASE_TOKEN);
      for (const [i, token] of EVERY_BASE_TOKEN.entries()) {
        assert.ok(maxAbsDiff(logSoftmax(all[i]!), m.table.row(token)) < 1e-4, `after token ${token}: log-softmax = table`);
      }
    });
  });

  for (const [dtype, tolerance] of [
    ["f16", 1e-4],
    ["bf16", 1e-4],
    ["q8_0", 3e-3],
  ] as const) {
    void it(`${dtype}: llama.cpp's logits equal our decoding of the stored output.weight`, async () => {
      const m = await makeBigramModel({ corpus, out: join(dir, `${dtype}.gguf`), dtype });
      const r = await GgufReader.open(m.path);
      const type = r.requireTensor("output.weight").type;
      await r.close();
      assert.equal(GgmlType[type], dtype.toUpperCase());
      await withModel(m.path, async (model) => {
        const rows = await nextLogits(model, prompts);
        for (const [i, p] of prompts.entries()) {
          const prev = p[p.length - 1]!;
          const stored = await storedLogits(m.path, m.table, prev);
          // llama.cpp quantizes the activation (the one-hot row) to Q8_0 for a Q8_0 matmul: 1.0 becomes
          // fp16(1/127)·127, a scale that is part of the expected value, not of the error.
          const scale = dtype === "q8_0" ? 0.00787353515625 * 127 : 1;
          const diff = maxAbsDiff(
            rows[i]!,
            stored.map((v) => v * scale),
          );
          assert.ok(diff < tolerance, `prompt ${i}: |llama − decoded| = ${diff}`);
          // The stored values are the table up to the precision of the type.
          assert.ok(maxAbsDiff(stored, m.table.row(prev)) < (dtype === "q8_0" ? 0.1 : 0.08));
        }
      });
    });
  }

  void it("a 32k-token vocabulary (padded) keeps closed-form logits, also after a padding token", async () => {
    const m = await makeBigramModel({ corpus, out: join(dir, "v32k.gguf"), vocabSize: 32000, dtype: "f16" });
    await withModel(m.path, async (model) => {
      const ps = [
        [BOS_ID, ...Buffer.from("return")],
        [BOS_ID, 31999],
      ];
      const rows = await nextLogits(model, ps);
      for (const [i, p] of ps.entries()) {
        const prev = p[p.length - 1]!;
        assert.equal(rows[i]!.length, 32000);
        assert.ok(maxAbsDiff(rows[i]!, await storedLogits(m.path, m.table, prev)) < 1e-4);
        assert.ok(maxAbsDiff(logSoftmax(rows[i]!), m.table.row(prev)) < 5e-3);
      }
    });
  });

  void it("readBigramTable gives what llama.cpp computes, also for a Q8_0 32k-vocabulary model", async () => {
    const f32 = await makeBigramModel({ corpus, out: join(dir, "rt-f32.gguf") });
    const back = await readBigramTable(f32.path);
    assert.ok(maxAbsDiff(back.logProbs, f32.table.logProbs) < 1e-5, "F32: the stored table is the training table");

    const m = await makeBigramModel({ corpus, out: join(dir, "rt-q8.gguf"), vocabSize: 32000, dtype: "q8_0" });
    const stored = await readBigramTable(m.path);
    assert.equal(stored.vocabSize, 32000);
    const tokens = [BOS_ID, ...Buffer.from("re"), 20000, EOS_ID];
    await withModel(m.path, async (model) => {
      const rows = await logitsAfterEachToken(model, tokens);
      for (const [i, t] of tokens.entries()) {
        assert.ok(maxAbsDiff(logSoftmax(rows[i]!), stored.row(t)) < 1e-3, `after token ${t}`);
      }
    });
    const notBigram = (await makeRandomModel({ out: join(dir, "not-bigram.gguf") })).path;
    await assert.rejects(readBigramTable(notBigram), /not a Chorus bigram test model/);
  });
});
