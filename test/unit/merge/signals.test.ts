// A merge stopped from outside leaves no temp file (issue #22, item 4). The real `chorus merge` runs in a child
// process; once it is writing (its first progress line) it is frozen with SIGSTOP, so the signal under test lands
// mid-write every time, then thawed. SIGTERM and SIGHUP used to end the process at once, leaving `<out>.tmp-<pid>`;
// SIGKILL cannot be caught, so the next merge into the folder removes a temp file whose process is gone.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { removeStaleTempFiles, tempFileOwner } from "../../../src/sidecar/merge/stale-temp-files";
import { GgmlType } from "../../../src/sidecar/gguf/types";
import { makeModel, tempDir } from "./models";

const tmp = tempDir();
after(tmp.cleanup);
const at = (name: string) => path.join(tmp.dir, name);
const TSX = pathToFileURL(path.resolve("node_modules/tsx/dist/loader.mjs")).href;
// Big enough that the merge is still writing when the test freezes it (tens of tensors, ~10 M values).
const SHAPE = { dim: 384, layers: 6, ffn: 1024, heads: 6, kvHeads: 6 };

before(async () => {
  await makeModel(at("base.gguf"), { seed: 1, type: GgmlType.F16, shape: SHAPE });
  await makeModel(at("a.gguf"), { seed: 2, baseSeed: 1, type: GgmlType.F16, shape: SHAPE });
});

function startMerge(out: string): ChildProcess {
  const args = [
    "--import",
    TSX,
    path.resolve("src/cli/main.ts"),
    "merge",
    "--method",
    "ties",
    "--base",
    "base.gguf",
    "--models",
    "a.gguf",
    "--density",
    "0.5",
    "--dtype",
    "f16",
    "--progress",
    "json",
    "--out",
    out,
  ];
  return spawn(process.execPath, args, { cwd: tmp.dir, stdio: ["ignore", "pipe", "pipe"] });
}

const exited = (p: ChildProcess) =>
  new Promise<number | null>((resolve) => (p.exitCode !== null || p.signalCode !== null ? resolve(p.exitCode) : p.once("close", (code) => resolve(code))));

/** Resolves when the child has written its first progress line (the temp file exists then); fails if it ends first. */
function writing(p: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let err = "";
    p.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      if (err.includes('{"progress"')) resolve();
    });
    p.once("close", (code) => reject(new Error(`the merge ended (${code}) before it wrote: ${err}`)));
  });
}

const leftovers = (out: string) => readdirSync(tmp.dir).filter((n) => n.startsWith(out));

for (const signal of ["SIGTERM", "SIGHUP", "SIGINT"] as const) {
  void test(`${signal} during the write cancels the merge and removes its temp file`, { skip: process.platform === "win32" }, async () => {
    const out = `by-${signal}.gguf`;
    const child = startMerge(out);
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    await writing(child);
    child.kill("SIGSTOP");
    assert.deepEqual(leftovers(out), [`${out}.tmp-${child.pid}`], "frozen mid-write, with its temp file");
    child.kill(signal);
    child.kill("SIGCONT");
    const code = await exited(child);
    assert.equal(code, 1, `a cancelled merge exits with 1, not killed by the signal (${child.signalCode})`);
    assert.match(stderr, new RegExp(`merge cancelled; nothing was written`));
    assert.deepEqual(leftovers(out), []);
  });
}

void test("after kill -9 mid-write, the next merge into the folder removes the dead merge's temp file", { skip: process.platform === "win32" }, async () => {
  const out = "killed.gguf";
  const child = startMerge(out);
  await writing(child);
  child.kill("SIGKILL");
  await exited(child);
  const stale = `${out}.tmp-${child.pid}`;
  assert.deepEqual(leftovers(out), [stale], "SIGKILL cannot be caught: the temp file is left");
  const next = startMerge(out);
  assert.equal(await exited(next), 0);
  assert.deepEqual(leftovers(out), [out], "only the finished output remains");
});

void test("only temp files of processes that are gone are removed: a running merge's file is kept", async () => {
  const out = at("keep.gguf");
  const dead = 2 ** 22 + 12345; // above Linux's pid_max (4194304), so no process has it
  const files = [
    `keep.gguf.tmp-${process.ppid}`,
    `keep.gguf.tmp-${dead}`,
    `.chorus-merge-candidate-${dead}-3.gguf`,
    `.chorus-merge-candidate-${dead}-3.gguf.tmp-${dead}`,
    "keep.gguf.tmp-notapid",
    "other.gguf.tmp-1",
  ];
  for (const f of files) writeFileSync(at(f), "x");
  const removed = await removeStaleTempFiles(out);
  assert.deepEqual(removed.map((f) => path.basename(f)).sort(), files.slice(1, 4).sort());
  assert.ok(existsSync(at(`keep.gguf.tmp-${process.ppid}`)), "a live process's temp file stays");
  assert.ok(existsSync(at("keep.gguf.tmp-notapid")) && existsSync(at("other.gguf.tmp-1")), "files that are not this output's temp files stay");
  assert.equal(tempFileOwner("keep.gguf.tmp-42", "keep.gguf"), 42);
  assert.equal(tempFileOwner("keepXgguf.tmp-42", "keep.gguf"), undefined, "the output name is matched literally");
});
