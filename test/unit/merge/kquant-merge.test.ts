// Merging Q4_K_M models into Q4_K_M: the result keeps the inputs' layout and size, loads in real llama.cpp, and its
// logits stay as close to the float merge as a Q4_K_M model stays to its float original (quantization error).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import * as path from "node:path";
import { GgufReader } from "../../../src/sidecar/gguf/reader";
import { ggmlTypeName } from "../../../src/sidecar/gguf/types";
import { planFromFlags } from "../../../src/sidecar/merge/plan-from-flags";
import { runMerge } from "../../../src/sidecar/merge/run";
import { logSoftmax, nextLogits, withModel } from "../gguf/llama-harness";
import { makeModel, tempDir } from "./models";

const tmp = tempDir();
after(tmp.cleanup);
const at = (name: string) => path.join(tmp.dir, name);

// Rows of 256 (super-block sized) and 512; 4 layers so that attn_v/ffn_down take Q6_K in some layers only.
const shape = { dim: 256, layers: 4, heads: 4, kvHeads: 2, ffn: 512 };
const PROMPTS = [
  [256, 72, 101, 108],
  [256, 40, 41, 123, 10],
  [256, 100, 101, 102, 32, 120],
  [256, 9, 9, 114, 101, 116],
];

async function types(file: string): Promise<Map<string, string>> {
  const r = await GgufReader.open(file);
  try {
    return new Map(r.tensors.map((t) => [t.name, ggmlTypeName(t.type)]));
  } finally {
    await r.close();
  }
}

const logProbs = (file: string) => withModel(file, async (model) => (await nextLogits(model, PROMPTS)).map(logSoftmax));

/** Mean KL(p ‖ q) of the next-token distributions over the prompts (llama-perplexity's measure of quantization
 * damage), from log-probabilities. */
function divergence(p: Float64Array[], q: Float64Array[]): number {
  let sum = 0;
  p.forEach((row, i) => row.forEach((lp, v) => (sum += Math.exp(lp) * (lp - q[i]![v]!))));
  return sum / p.length;
}

void test("a Q4_K_M pair merges into a Q4_K_M file of the same size whose logits match the float merge", async () => {
  const a = await makeModel(at("a.gguf"), { seed: 2, baseSeed: 1, shape });
  const b = await makeModel(at("b.gguf"), { seed: 3, baseSeed: 1, shape });
  // Each input quantized as llama-quantize would (kquant-parity.test.ts shows the bytes are the same).
  const aQ = (await runMerge({ plan: planFromFlags({ method: "linear", models: [a, a], dtype: "q4_k_m" }), out: at("a-q4km.gguf") })).path;
  const bQ = (await runMerge({ plan: planFromFlags({ method: "linear", models: [b, b], dtype: "q4_k_m" }), out: at("b-q4km.gguf") })).path;
  const merge = (dtype: string, out: string) =>
    runMerge({ plan: planFromFlags({ method: "linear", models: [aQ, bQ], weights: [0.5, 0.5], dtype }), out: at(out) });
  const quantized = await merge("q4_k_m", "merged-q4km.gguf");
  const float = await merge("f32", "merged-f32.gguf");

  const inputBytes = statSync(aQ).size;
  assert.ok(Math.abs(quantized.bytes - inputBytes) / inputBytes < 0.02, `merged ${quantized.bytes} bytes vs input ${inputBytes}`);
  assert.deepEqual(await types(quantized.path), await types(aQ), "the merge keeps the inputs' per-tensor types");
  const mixed = new Set((await types(quantized.path)).values());
  for (const t of ["Q4_K", "Q6_K", "F32"]) assert.ok(mixed.has(t), `Q4_K_M uses ${t}`);

  const [mergedQ, mergedF, inputQ, inputF] = [await logProbs(quantized.path), await logProbs(float.path), await logProbs(aQ), await logProbs(a)];
  const mergeError = divergence(mergedF, mergedQ);
  const quantizationError = divergence(inputF, inputQ);
  assert.ok(mergeError > 0, "the Q4_K_M merge is quantized (not the float merge)");
  assert.ok(mergeError < 2 * quantizationError, `Q4_K_M merge vs float merge ${mergeError}; Q4_K_M input vs float input ${quantizationError}`);
  // …and it is a merge: both inputs are much further from it than quantization moves it.
  assert.ok(divergence(mergedF, inputQ) > 2 * mergeError, `the merge differs from input a by ${divergence(mergedF, inputQ)}`);
});
