// The VS Code command's merge runs the `chorus merge` CLI in a child process: progress arrives, the result is
// reported, a cancel leaves no file, and the CLI's own error message reaches the user.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { runMergeProcess } from "../../../src/vscode/merge-runner";
import type { MergeProgress } from "../../../src/sidecar/merge/run";
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
  const result = await runMergeProcess(CLI, { method: "linear", models: [a!, b!], weights: [1, 2], dtype: "q8_0", out: at("ab.gguf") }, (p) => seen.push(p), new AbortController().signal, TSX);
  assert.equal(result.path, at("ab.gguf"));
  assert.ok(existsSync(result.path));
  assert.ok(seen.length > 0 && seen.at(-1)!.valuesDone === seen.at(-1)!.valuesTotal);
});

void test("the CLI's error message is what the command shows", async () => {
  const [a] = await models;
  await assert.rejects(
    runMergeProcess(CLI, { method: "linear", models: [a!, at("missing.gguf")], dtype: "f16", out: at("x.gguf") }, () => undefined, new AbortController().signal, TSX),
    (e: Error) => /missing\.gguf: cannot open/.test(e.message) && !e.message.startsWith("chorus:"),
  );
});

void test("cancelling stops the child and leaves nothing behind", async () => {
  const [a, b] = await models;
  const ac = new AbortController();
  const merge = runMergeProcess(CLI, { method: "ties", base: a, models: [b!], density: 0.5, dtype: "f16", out: at("cancelled.gguf") }, () => ac.abort(), ac.signal, TSX);
  await assert.rejects(merge, (e: Error) => e.name === "AbortError");
  assert.deepEqual(readdirSync(tmp.dir).filter((n) => n.startsWith("cancelled")), []);
});
