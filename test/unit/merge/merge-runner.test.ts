// The VS Code command's merge runs the `chorus merge` CLI in a child process: progress arrives, the result is
// reported, a cancel leaves no file, and the CLI's own error message reaches the user; merge for my code reports
// its steps and the search's result the same way.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { runMergeProcess } from "../../../src/vscode/merge-runner";
import type { MergeProgress } from "../../../src/sidecar/merge/run";
import { makeBigramModel } from "../../../src/sidecar/testmodels/bigram";
import { makeModel, tempDir } from "./models";

const tmp = tempDir();
after(tmp.cleanup);
const at = (name: string) => path.join(tmp.dir, name);
const CLI = path.resolve("src/cli/main.ts");
const TSX = ["--import", "tsx"];
const models = (async () => [await makeModel(at("a.gguf"), { seed: 1 }), await makeModel(at("b.gguf"), { seed: 2 })])();

void test("a merge in a child process reports progress and its result", async () => {
  const [a, b] = await models;
  const seen: MergeProgress[] = [];
  const result = await runMergeProcess(
    CLI,
    { method: "linear", models: [a!, b!], weights: [1, 2], dtype: "q8_0", out: at("ab.gguf") },
    { onProgress: (p) => seen.push(p) },
    new AbortController().signal,
    TSX,
  );
  assert.equal(result.path, at("ab.gguf"));
  assert.ok(existsSync(result.path));
  assert.ok(seen.length > 0 && seen.at(-1)!.valuesDone === seen.at(-1)!.valuesTotal);
});

void test("the CLI's error message is what the command shows", async () => {
  const [a] = await models;
  await assert.rejects(
    runMergeProcess(
      CLI,
      { method: "linear", models: [a!, at("missing.gguf")], dtype: "f16", out: at("x.gguf") },
      { onProgress: () => undefined },
      new AbortController().signal,
      TSX,
    ),
    (e: Error) => /missing\.gguf: cannot open/.test(e.message) && !e.message.startsWith("chorus:"),
  );
});

void test("cancelling stops the child and leaves nothing behind", async () => {
  const [a, b] = await models;
  const ac = new AbortController();
  const merge = runMergeProcess(
    CLI,
    { method: "ties", base: a, models: [b!], density: 0.5, dtype: "f16", out: at("cancelled.gguf") },
    { onProgress: () => ac.abort() },
    ac.signal,
    TSX,
  );
  await assert.rejects(merge, (e: Error) => e.name === "AbortError");
  assert.deepEqual(
    readdirSync(tmp.dir).filter((n) => n.startsWith("cancelled")),
    [],
  );
});

void test("merge for my code in a child process: status lines, then the merge and the search's report", async () => {
  const ts = await makeBigramModel({ corpus: "export function add(a: number, b: number): number {\n  return a + b;\n}\n".repeat(3), out: at("opt-ts.gguf") });
  const py = await makeBigramModel({ corpus: "def add(a, b):\n    return a + b\n".repeat(3), out: at("opt-py.gguf") });
  const ws = at("workspace");
  mkdirSync(ws, { recursive: true });
  writeFileSync(path.join(ws, "area.ts"), "export function area(w: number, h: number): number {\n  return w * h;\n}\n");
  const status: string[] = [];
  const result = await runMergeProcess(
    CLI,
    { method: "linear", models: [ts.path, py.path], dtype: "f16", out: at("tuned.gguf"), optimize: { target: "weights", sample: [ws], evaluations: 3 } },
    { onProgress: () => undefined, onStatus: (line) => status.push(line) },
    new AbortController().signal,
    TSX,
  );
  assert.equal(result.path, at("tuned.gguf"));
  assert.ok(existsSync(result.path) && result.bytes > 0 && result.tensors > 0);
  assert.ok(
    status.some((l) => l.startsWith("sample: 1 files")),
    status.join("\n"),
  );
  assert.ok(
    status.some((l) => l.startsWith("merging and measuring weights")),
    status.join("\n"),
  );
  const report = result.report!;
  assert.equal(report.target, "weights");
  assert.deepEqual(
    report.inputs.map((i) => i.model),
    [ts.path, py.path],
  );
  // The search keeps the best merge it measured, and never ends worse than the better input (that input's end
  // of the range is one of the candidates).
  assert.equal(report.best.bitsPerByte, Math.min(...report.tried.map((t) => t.bitsPerByte)));
  assert.ok(Math.max(...report.inputs.map((i) => i.gainBitsPerByte)) >= 0);
  assert.ok(report.inputs.every((i) => Math.abs(i.bitsPerByte - report.best.bitsPerByte - i.gainBitsPerByte) < 1e-9));
  assert.deepEqual(
    readdirSync(tmp.dir).filter((n) => n.includes("candidate")),
    [],
    "no candidate file is left behind",
  );
});
