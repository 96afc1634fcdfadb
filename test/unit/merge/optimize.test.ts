// "Merge for my code": cross-entropy measured in llama.cpp equals the closed form of the bigram tables, and the
// search finds a merge at least as good on the sample as the best input, reporting the gain over each input.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { crossEntropy } from "../../../src/sidecar/merge/cross-entropy";
import { optimizeMerge } from "../../../src/sidecar/merge/optimize";
import { planFromFlags } from "../../../src/sidecar/merge/plan-from-flags";
import { collectSample } from "../../../src/sidecar/merge/sample-files";
import { crossEntropyBitsPerByte, makeBigramModel } from "../../../src/sidecar/testmodels/bigram";
import { tempDir } from "./models";

const tmp = tempDir();
after(tmp.cleanup);
const at = (name: string) => path.join(tmp.dir, name);

const TS_TRAIN =
  "export function add(a: number, b: number): number {\n  return a + b;\n}\nconst xs: string[] = [];\ninterface Point { x: number; y: number }\n".repeat(3);
const PY_TRAIN = "def add(a, b):\n    return a + b\n\nclass Point:\n    def __init__(self, x, y):\n        self.x = x\n        self.y = y\n".repeat(3);
const WORKSPACE_TS = "export interface Size { width: number; height: number }\nexport function area(s: Size): number {\n  return s.width * s.height;\n}\n";
const evaluate = async (file: string, texts: readonly string[]) => (await crossEntropy(file, texts, { threads: 1 })).bitsPerByte;

void test("cross-entropy through llama.cpp equals the bigram table's closed form", async () => {
  const ts = await makeBigramModel({ corpus: TS_TRAIN, out: at("ce-ts.gguf") });
  const measured = await crossEntropy(ts.path, [WORKSPACE_TS, "x = 1\n"], { threads: 1 });
  const exact = crossEntropyBitsPerByte(ts.table, [Buffer.from(WORKSPACE_TS), Buffer.from("x = 1\n")]);
  assert.ok(Math.abs(measured.bitsPerByte - exact) < 1e-3, `measured ${measured.bitsPerByte}, closed form ${exact}`);
  assert.equal(measured.tokens, Buffer.byteLength(WORKSPACE_TS) + 6);
});

void test("the search over weights beats or matches the best input on the user's files and reports each gain", async () => {
  const ts = await makeBigramModel({ corpus: TS_TRAIN, out: at("ts.gguf") });
  const py = await makeBigramModel({ corpus: PY_TRAIN, out: at("py.gguf") });
  const ws = at("workspace");
  mkdirSync(path.join(ws, "src"), { recursive: true });
  mkdirSync(path.join(ws, "node_modules", "dep"), { recursive: true });
  writeFileSync(path.join(ws, "src", "area.ts"), WORKSPACE_TS);
  writeFileSync(path.join(ws, "node_modules", "dep", "index.js"), "ignored();\n");
  const sample = await collectSample([ws]);
  assert.deepEqual(sample.files, [path.join(ws, "src", "area.ts")]);

  const outDir = at("out");
  mkdirSync(outDir);
  const report = await optimizeMerge({
    plan: planFromFlags({ method: "linear", models: [ts.path, py.path], dtype: "f32" }),
    target: "weights",
    texts: sample.texts,
    out: path.join(outDir, "mine.gguf"),
    evaluations: 5,
    evaluate,
  });
  const [tsIn, pyIn] = report.inputs;
  assert.ok(tsIn!.bitsPerByte < pyIn!.bitsPerByte, "the TypeScript expert should fit TypeScript better");
  // Five searched merges, plus the winning input's end of the range when no mix beats it.
  assert.ok(report.tried.length === 5 || report.tried.length === 6, `tried ${report.tried.length}`);
  assert.ok(report.best.value[0]! > 0.5, `the best mix should lean to the TypeScript expert, got ${report.best.value.join(", ")}`);
  // A mixture of the two tables is at least as good as the best single one on this sample.
  assert.ok(report.best.bitsPerByte <= tsIn!.bitsPerByte + 1e-3, `best ${report.best.bitsPerByte} vs ts ${tsIn!.bitsPerByte}`);
  assert.ok(pyIn!.gainBitsPerByte > 0.1 && Math.abs(pyIn!.gainBitsPerByte - (pyIn!.bitsPerByte - report.best.bitsPerByte)) < 1e-12);
  // The winner is the output file, measured again to the same figure; no candidate files are left behind.
  assert.ok(Math.abs((await evaluate(report.out, sample.texts)) - report.best.bitsPerByte) < 1e-9);
  assert.deepEqual(readdirSync(outDir), ["mine.gguf"]);
  assert.ok(existsSync(report.out));
});

void test("an impossible search is refused before any work", async () => {
  const ts = await makeBigramModel({ corpus: TS_TRAIN, out: at("ts2.gguf") });
  await assert.rejects(
    optimizeMerge({ plan: planFromFlags({ method: "linear", models: [ts.path, ts.path] }), target: "t", texts: ["x"], out: at("x.gguf"), evaluate }),
    /searching t needs the slerp method/,
  );
});

void test("the sample takes any text file whatever its extension, and says which binaries it skipped", async () => {
  const ws = at("mixed-workspace");
  mkdirSync(ws, { recursive: true });
  writeFileSync(path.join(ws, "Makefile"), "all:\n\tcc -o app main.c\n");
  writeFileSync(path.join(ws, "App.vue"), "<template><div>{{ msg }}</div></template>\n");
  // A PNG's signature is followed by NUL bytes in its IHDR length: binary by content, as git decides.
  writeFileSync(path.join(ws, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]));
  writeFileSync(path.join(ws, "notes.weird-ext"), "plain words\n");
  const sample = await collectSample([ws]);
  assert.deepEqual(
    sample.files.map((f) => path.basename(f)),
    ["App.vue", "Makefile", "notes.weird-ext"],
  );
  assert.deepEqual(
    sample.skipped.map((s) => [path.basename(s.file), s.reason]),
    [["logo.png", "binary (a NUL byte near its start)"]],
  );
});

void test("over two models, task arithmetic's search covers the task vectors' scale, not only weights summing to 1", async () => {
  const base = await makeBigramModel({ corpus: TS_TRAIN + PY_TRAIN, out: at("ta-base.gguf") });
  const ts = await makeBigramModel({ corpus: TS_TRAIN, out: at("ta-ts.gguf") });
  const py = await makeBigramModel({ corpus: PY_TRAIN, out: at("ta-py.gguf") });
  const outDir = at("ta-out");
  mkdirSync(outDir);
  const report = await optimizeMerge({
    plan: planFromFlags({ method: "task_arithmetic", base: base.path, models: [ts.path, py.path], dtype: "f32" }),
    target: "weights",
    texts: [WORKSPACE_TS],
    out: path.join(outDir, "ta.gguf"),
    evaluations: 5,
    evaluate,
  });
  // A search of shares (s, 1 − s) alone would try only weights summing to 1: the linear merge's search.
  const sums = report.tried.map((t) => t.value[0]! + t.value[1]!);
  assert.ok(
    sums.some((s) => Math.abs(s - 1) > 1e-6),
    `every tried pair sums to 1: ${JSON.stringify(report.tried.map((t) => t.value))}`,
  );
});
