// `chorus merge` as a user runs it: a mergekit-shaped plan file, flags, plain progress lines when stderr is not a
// terminal, and errors that say what to change.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { progressPrinter } from "../../../src/cli/commands/merge";
import { getString } from "../../../src/sidecar/gguf/metadata";
import { GgufReader } from "../../../src/sidecar/gguf/reader";
import { makeModel, tempDir } from "./models";

const tmp = tempDir();
after(tmp.cleanup);
const at = (name: string) => path.join(tmp.dir, name);
// The CLI from its sources, run from the temp folder (so tsx is named by its file: no node_modules there).
const TSX = pathToFileURL(path.resolve("node_modules/tsx/dist/loader.mjs")).href;
const chorus = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", TSX, path.resolve("src/cli/main.ts"), ...args], { cwd: tmp.dir, encoding: "utf8" });

void test("chorus merge PLAN.yaml writes the plan's merge with paths relative to the plan", async () => {
  await makeModel(at("base.gguf"), { seed: 1 });
  await makeModel(at("a.gguf"), { seed: 2, baseSeed: 1 });
  await makeModel(at("b.gguf"), { seed: 3, baseSeed: 1 });
  writeFileSync(
    at("plan.yaml"),
    "merge_method: dare_ties\nbase_model: base.gguf\nmodels:\n  - model: a.gguf\n    parameters: {weight: 0.6, density: 0.5}\n  - model: b.gguf\n    parameters: {weight: 0.4, density: 0.5}\nparameters: {lambda: 1.2}\ndtype: q8_0\nname: my dare merge\n",
  );
  const r = chorus("merge", "plan.yaml", "--out", "out.gguf");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /merged 3 models with dare_ties into .*out\.gguf/);
  // stderr is a pipe here: plain progress lines, ending at 100%.
  assert.match(r.stderr, /merge: 100% \(tensor (\d+)\/\1\)/);
  const reader = await GgufReader.open(at("out.gguf"));
  try {
    assert.equal(getString(reader.metadata, "general.name"), "my dare merge");
    assert.equal(getString(reader.metadata, "chorus.merge.dtype"), "q8_0");
  } finally {
    await reader.close();
  }
});

void test("chorus merge refuses contradictory or incomplete requests with a message saying what to do", () => {
  const both = chorus("merge", "plan.yaml", "--method", "linear", "--out", "x.gguf");
  assert.equal(both.status, 1);
  assert.match(both.stderr, /give either a plan file or --method, not both/);
  const noOut = chorus("merge", "--method", "linear", "--models", "a.gguf,b.gguf");
  assert.match(noOut.stderr, /--out is required/);
  const badWeights = chorus("merge", "--method", "linear", "--models", "a.gguf,b.gguf", "--weights", "1,x", "--out", "y.gguf");
  assert.match(badWeights.stderr, /--weights: "x" is not a number/);
  assert.ok(!existsSync(at("x.gguf")) && !existsSync(at("y.gguf")));
});

void test("chorus merge checks its output, progress style, Ollama name and optimiser numbers before merging", async () => {
  await makeModel(at("p.gguf"), { seed: 4 });
  await makeModel(at("q.gguf"), { seed: 5 });
  mkdirSync(at("outdir"), { recursive: true });
  const merge = (...extra: string[]) => chorus("merge", "--method", "linear", "--models", "p.gguf,q.gguf", ...extra);
  const cases: [string[], RegExp][] = [
    [["--out", "outdir"], /--out .*outdir is a folder/],
    [["--out", "z.gguf", "--progress", "xml"], /--progress must be "bar" or "json"/],
    [["--out", "z.gguf", "--ollama", "bad name!!"], /not a valid Ollama model name/],
    [["--out", "z.gguf", "--ollama", "mine", "--ollama-url", "not a url"], /--ollama-url "not a url" is not a URL/],
    [["--out", "z.gguf", "--optimize", "weights", "--evaluations", "0"], /--evaluations must be a whole number from 1 to 100, not "0"/],
    [["--out", "z.gguf", "--optimize", "weights", "--threads", "2.5"], /--threads must be a whole number/],
  ];
  for (const [extra, message] of cases) {
    const r = merge(...extra);
    assert.equal(r.status, 1, extra.join(" "));
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /merge: \d+%/, "refused before any merging");
  }
  assert.ok(!existsSync(at("z.gguf")));
  // A folder among the inputs is named, not reported as a bare EISDIR.
  const dirInput = chorus("merge", "--method", "linear", "--models", "p.gguf,outdir", "--out", "z.gguf");
  assert.match(dirInput.stderr, /outdir: is a folder, not a GGUF file/);
});

void test("progress: a bar redrawn in place on a terminal, a line per 10% elsewhere", () => {
  const lines: string[] = [];
  const fake = (isTTY: boolean) => ({ isTTY, write: (s: string) => lines.push(s) }) as unknown as NodeJS.WriteStream;
  const plain = progressPrinter(fake(false));
  for (let done = 0; done <= 100; done += 5) plain({ tensorsDone: done, tensorsTotal: 100, valuesDone: done, valuesTotal: 100, tensor: "t" });
  assert.deepEqual(
    lines.map((l) => l.match(/(\d+)%/)?.[1]),
    ["0", "10", "20", "30", "40", "50", "60", "70", "80", "90", "100"],
  );
  lines.length = 0;
  progressPrinter(fake(true))({ tensorsDone: 100, tensorsTotal: 100, valuesDone: 100, valuesTotal: 100, tensor: "output.weight" });
  assert.ok(lines[0]!.startsWith("\r[##############################] 100%") && lines[1] === "\n");
});
