// The whole fuzz corpus (612 seeded mutants in twelve classes, src/sidecar/testmodels/mutants.ts) through a real
// sidecar process and the merge (test/fixtures/fuzz-driver.ts); prints the figures as JSON: files tried, refused
// with a clear error, loaded, crashed (sidecar deaths), and merges tried, refused, written, unloadable.
// The unit test (test/unit/sidecar/fuzz-gguf.test.ts) runs the first mutants of every class.
//   node --import tsx bench/fuzz-gguf.ts [--seed N] [--merge-every K] [--classes a,b] [--source]
// It runs the built sidecar (dist/sidecar.mjs and its helper; `node esbuild.mjs` first) unless --source is given.

import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FULL_CORPUS, MUTATION_CLASSES, writeFuzzBase, writeMutants } from "../src/sidecar/testmodels/mutants";
import { runFuzz } from "../test/fixtures/fuzz-driver";

function flag(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

async function main(): Promise<void> {
  if (!process.argv.includes("--source") && !existsSync(new URL("../dist/chorus-isolate.mjs", `file://${__filename}`))) {
    throw new Error("dist/ is not built: run `node esbuild.mjs` first, or pass --source");
  }
  const seed = flag("--seed", 1);
  const mergeEvery = flag("--merge-every", 3);
  const root = mkdtempSync(join(tmpdir(), "chorus-fuzz-bench-"));
  try {
    const dir = join(root, "models");
    mkdirSync(dir);
    await writeFuzzBase(join(root, "good.gguf"));
    // --classes: only these classes (same files as in the full corpus), to rerun part of it.
    const i = process.argv.indexOf("--classes");
    const only = i >= 0 ? new Set((process.argv[i + 1] ?? "").split(",")) : undefined;
    const counts = Object.fromEntries(MUTATION_CLASSES.map((c) => [c, !only || only.has(c) ? FULL_CORPUS[c] : 0]));
    const mutants = await writeMutants(dir, { seed, basePath: join(root, "good.gguf"), counts });
    renameSync(join(root, "good.gguf"), join(dir, "good.gguf"));
    const started = performance.now();
    const f = await runFuzz({
      dir,
      mutants,
      goodModel: "good",
      merge: (_m, i) => i % mergeEvery === 0,
      entry: process.argv.includes("--source") ? "source" : "bundle",
      log: (l) => process.stderr.write(`${l}\n`),
    });
    const seconds = Math.round((performance.now() - started) / 1000);
    console.log(JSON.stringify({ seed, seconds, ...f }, null, 2));
    if (f.files.crashed > 0 || f.merges.unloadable.length > 0 || f.unclear.length > 0 || !f.goodModelServedAfter) process.exitCode = 1;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

void main();
