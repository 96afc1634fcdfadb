// The trained demo models re-shaped to Qwen2.5-Coder's vocabularies and cost (testmodels/trained-family.ts), the
// pair `chorus bench mixing --family qwen2.5-coder` measures: real llama.cpp must read each as the trained model.
// - Against PyTorch: each model's JSON record (training/export.py) holds every held-out token's log-probability
//   under the float32 checkpoint; the re-shaped file must give the same, within the tolerance the shipped Q8_0
//   files meet (test/unit/sidecar/trained-models.test.ts). A wrong norm scale, a constant dimension leaking into a
//   layer or a misplaced vocabulary row is off by nats.
// - The ids the trained model lacks (Qwen's other 151k tokens, added tokens, padding) are never competitive.
// - Added layers and FFN units change nothing: the cost-shaped file (24 layers, FFN 5504) gives the logits of the
//   plain re-shaped one (2 layers, FFN 192).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { getNumber } from "../../../src/sidecar/gguf/metadata";
import { readGgufHeader } from "../../../src/sidecar/gguf/reader";
import { QWEN_ENDOFTEXT, QWEN_REAL_TOKENS } from "../../../src/sidecar/testmodels/families";
import { QWEN_COST_SHAPES, trainedAsQwenCoder } from "../../../src/sidecar/testmodels/trained-family";
import { logitsAfterEachToken, logSoftmax, withModel } from "./llama-harness";

const dir = mkdtempSync(join(tmpdir(), "chorus-trained-family-"));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Parity {
  text: string;
  token_logprobs: number[];
}
const parity = (name: string): Parity[] => (JSON.parse(readFileSync(`models/demo/${name}.json`, "utf8")) as { parity: Parity[] }).parity.slice(0, 1);

// The tolerances of the shipped Q8_0 files against PyTorch (trained-models.test.ts).
const MEAN_TOLERANCE = 0.02;
const MAX_TOLERANCE = 0.5;
/** How far below the best trained id every other id must stay (nats): a real checkpoint's never-seen rows. */
const ABSENT_MARGIN = 100;

/** Logits after <|endoftext|> (the trained BOS as an input) and each byte of `text`. */
async function logitsOf(path: string, text: string): Promise<Float64Array[]> {
  return withModel(path, (m) => logitsAfterEachToken(m, [QWEN_ENDOFTEXT, ...Buffer.from(text, "utf8")]));
}

function compareWithPytorch(rows: Float64Array[], want: Parity): { sum: number; worst: number; margin: number } {
  const bytes = [...Buffer.from(want.text, "utf8")];
  let sum = 0;
  let worst = 0;
  let margin = Infinity;
  bytes.forEach((b, i) => {
    const row = rows[i]!;
    const diff = Math.abs(logSoftmax(row)[b]! - want.token_logprobs[i]!);
    sum += diff;
    worst = Math.max(worst, diff);
    let best = -Infinity;
    for (let t = 0; t < 256; t++) best = Math.max(best, row[t]!);
    for (let t = 256; t < row.length; t++) if (t !== QWEN_ENDOFTEXT) margin = Math.min(margin, best - row[t]!);
  });
  return { sum, worst, margin };
}

void describe("trained models re-shaped to Qwen2.5-Coder's vocabulary", () => {
  for (const [name, size] of [
    ["weak", "0.5b"],
    ["general", "7b"],
  ] as const) {
    void it(`${name} as ${size}: llama.cpp gives PyTorch's log-probabilities on held-out code, and no other id competes`, async () => {
      const made = await trainedAsQwenCoder({ source: `models/demo/${name}.gguf`, out: join(dir, `${name}-${size}.gguf`), size });
      const header = await readGgufHeader(made.path);
      assert.equal(getNumber(header.metadata, "llama.vocab_size"), size === "0.5b" ? 151_936 : 152_064);
      assert.equal(made.vocab.padding.from, QWEN_REAL_TOKENS);
      let sum = 0;
      let n = 0;
      let worst = 0;
      let margin = Infinity;
      for (const snippet of parity(name)) {
        const r = compareWithPytorch(await logitsOf(made.path, snippet.text), snippet);
        sum += r.sum;
        n += snippet.token_logprobs.length;
        worst = Math.max(worst, r.worst);
        margin = Math.min(margin, r.margin);
      }
      assert.ok(sum / n < MEAN_TOLERANCE, `mean |Δ logprob| ${(sum / n).toFixed(4)} nats`);
      assert.ok(worst < MAX_TOLERANCE, `worst |Δ logprob| ${worst.toFixed(4)} nats`);
      assert.ok(margin > ABSENT_MARGIN, `an id the trained model lacks came within ${margin.toFixed(1)} of the best byte`);
    });
  }

  void it("added layers and FFN units compute but change nothing: the cost-shaped weak model gives the plain one's logits", async () => {
    const plain = await trainedAsQwenCoder({ source: "models/demo/weak.gguf", out: join(dir, "weak-plain.gguf"), size: "0.5b" });
    const costly = await trainedAsQwenCoder({
      source: "models/demo/weak.gguf",
      out: join(dir, "weak-cost.gguf"),
      size: "0.5b",
      shape: QWEN_COST_SHAPES["0.5b"],
    });
    assert.equal(getNumber((await readGgufHeader(costly.path)).metadata, "llama.block_count"), 24);
    assert.ok(costly.macsPerToken > 3 * plain.macsPerToken, "the cost-shaped file does more work per token");
    const text = parity("weak")[0]!.text.slice(0, 64);
    const a = await logitsOf(plain.path, text);
    const b = await logitsOf(costly.path, text);
    let worst = 0;
    a.forEach((row, i) => {
      const la = logSoftmax(row.subarray(0, 256));
      const lb = logSoftmax(b[i]!.subarray(0, 256));
      for (let t = 0; t < 256; t++) worst = Math.max(worst, Math.abs(la[t]! - lb[t]!));
    });
    assert.ok(worst < 1e-3, `the added layers moved a log-probability by ${worst}`);
  });

  void it("refuses shapes that cannot hold the trained model", async () => {
    const out = join(dir, "refused.gguf");
    await assert.rejects(trainedAsQwenCoder({ source: "models/demo/weak.gguf", out, size: "0.5b", shape: { width: 80 } }), /multiple of 32/);
    await assert.rejects(trainedAsQwenCoder({ source: "models/demo/weak.gguf", out, size: "0.5b", shape: { width: 64 } }), /multiple of 32 above/);
    await assert.rejects(trainedAsQwenCoder({ source: "models/demo/weak.gguf", out, size: "0.5b", shape: { layers: 1 } }), /at least the trained 2/);
    await assert.rejects(trainedAsQwenCoder({ source: "models/demo/weak.gguf", out, size: "0.5b", shape: { ffn: 96 } }), /at least the trained 192/);
  });
});
