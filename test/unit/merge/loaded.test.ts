// Merged bigram models loaded in real llama.cpp (node-llama-cpp, one thread): their next-token logits are the
// merge formula applied to the inputs' log-probability tables, for every previous token.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { GgufReader } from "../../../src/sidecar/gguf/reader";
import { planFromFlags } from "../../../src/sidecar/merge/plan-from-flags";
import { runMerge } from "../../../src/sidecar/merge/run";
import { makeBigramModel, type BigramModel } from "../../../src/sidecar/testmodels/bigram";
import { EVERY_BASE_TOKEN, logitsAfterEachToken, maxAbsDiff, withModel } from "../gguf/llama-harness";
import { tempDir } from "./models";

const tmp = tempDir();
after(tmp.cleanup);
const at = (name: string) => path.join(tmp.dir, name);

const TS = "export function add(a: number, b: number): number {\n  return a + b;\n}\nconst xs: string[] = [];\ninterface Point { x: number; y: number }\n";
const PY = "def add(a, b):\n    return a + b\n\nclass Point:\n    def __init__(self, x, y):\n        self.x = x\n        self.y = y\n";

/** log P(next | prev) of a model as the merged file will see it: output.weight decoded, element v·dim + k. */
async function outputTable(file: string): Promise<(prev: number, next: number) => number> {
  const r = await GgufReader.open(file);
  try {
    const t = r.requireTensor("output.weight");
    const values = await r.readTensorFloat32(t);
    const dim = t.dims[0]!;
    return (prev, next) => values[next * dim + Math.min(prev, 258)]!;
  } finally {
    await r.close();
  }
}

async function mergedLogitsMatch(file: string, expected: (prev: number, next: number) => number, tolerance: number): Promise<void> {
  const rows = await withModel(file, (model) => logitsAfterEachToken(model, EVERY_BASE_TOKEN));
  rows.forEach((row, i) => {
    const prev = EVERY_BASE_TOKEN[i]!;
    const want = Float64Array.from(row, (_, next) => expected(prev, next));
    const diff = maxAbsDiff(row, want);
    assert.ok(diff <= tolerance, `after token ${prev}: logits differ from the formula by ${diff}`);
  });
}

const models = (async () => {
  const make = (name: string, corpus: string, dtype: "f32" | "q8_0"): Promise<BigramModel> => makeBigramModel({ corpus, out: at(name), dtype });
  return {
    ts: await make("ts.gguf", TS, "f32"),
    py: await make("py.gguf", PY, "f32"),
    general: await make("general.gguf", TS + PY, "f32"),
    tsQ8: await make("ts-q8.gguf", TS, "q8_0"),
    pyQ8: await make("py-q8.gguf", PY, "q8_0"),
  };
})();

void test("linear merge of two bigram models: llama.cpp's logits are the weighted sum of the tables", async () => {
  const m = await models;
  const out = await runMerge({
    plan: planFromFlags({ method: "linear", models: [m.ts.path, m.py.path], weights: [0.3, 0.7], dtype: "f32" }),
    out: at("lin.gguf"),
  });
  await mergedLogitsMatch(out.path, (k, v) => 0.3 * m.ts.table.logProb(k, v) + 0.7 * m.py.table.logProb(k, v), 2e-3);
  // The formula is not trivially satisfied: the inputs themselves are far from it.
  await assert.rejects(mergedLogitsMatch(m.ts.path, (k, v) => 0.3 * m.ts.table.logProb(k, v) + 0.7 * m.py.table.logProb(k, v), 2e-3));
});

void test("task arithmetic on a general base: logits are base + λ·Σ wᵢ(expertᵢ − base)", async () => {
  const m = await models;
  const plan = planFromFlags({ method: "task_arithmetic", base: m.general.path, models: [m.ts.path, m.py.path], weights: [1, 0.5], lambda: 0.8, dtype: "f16" });
  const out = await runMerge({ plan, out: at("ta.gguf") });
  const g = (k: number, v: number) => m.general.table.logProb(k, v);
  // F16 output: values up to ~12 in magnitude carry up to ~4e-3 rounding.
  await mergedLogitsMatch(out.path, (k, v) => g(k, v) + 0.8 * (m.ts.table.logProb(k, v) - g(k, v) + 0.5 * (m.py.table.logProb(k, v) - g(k, v))), 1e-2);
});

void test("Q8_0 inputs: the merged model follows the formula on the decoded tables", async () => {
  const m = await models;
  const out = await runMerge({ plan: planFromFlags({ method: "linear", models: [m.tsQ8.path, m.pyQ8.path], dtype: "q8_0" }), out: at("q8.gguf") });
  const [a, b] = [await outputTable(m.tsQ8.path), await outputTable(m.pyQ8.path)];
  // Re-encoding as Q8_0 costs up to half a step: max|x|/254 per block of 32, about 0.05 for these tables.
  await mergedLogitsMatch(out.path, (k, v) => 0.5 * a(k, v) + 0.5 * b(k, v), 0.08);
});
