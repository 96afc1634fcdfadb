// Issue #22: model files that pass the header checks and then kill the sidecar. A seeded subset of every class of
// the fuzz corpus (the first mutants of each; bench/fuzz-gguf.ts runs all 612) goes through a real sidecar process
// and through the merge. llama.cpp aborts the process that loads some of these files (GGML_ASSERT in
// llama-model.cpp / ggml.c, e.g. a norm stored as F16, an expert count on a dense model); chat templates run as code
// (@huggingface/jinja inside node-llama-cpp) and some loop or exhaust V8's heap. Without the helper-process probe
// and template isolation, the sidecar dies on several of them (crashed > 0) and never answers the later requests.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { writeFuzzBase, writeMutants, type MutationClass } from "../../../src/sidecar/testmodels/mutants";
import { runFuzz } from "../../fixtures/fuzz-driver";

/** Per class, the first mutants of the full corpus (same seed, same files); string-lengths-15 quotes raw bytes. */
const SUBSET: Record<MutationClass, number> = {
  truncation: 2,
  "header-bytes": 2,
  counts: 2,
  dimensions: 2,
  offsets: 2,
  "string-lengths": 16,
  types: 3,
  "nan-inf": 3,
  duplicates: 3,
  alignment: 2,
  "metadata-values": 5,
  templates: 5,
};

const root = mkdtempSync(join(tmpdir(), "chorus-fuzz-"));
after(() => rmSync(root, { recursive: true, force: true }));

void test("the fuzz subset: no sidecar death, every refusal clear, every merge output loadable", { timeout: 600_000 }, async () => {
  const dir = join(root, "models");
  mkdirSync(dir);
  await writeFuzzBase(join(root, "good.gguf"));
  const mutants = await writeMutants(dir, { basePath: join(root, "good.gguf"), counts: SUBSET });
  renameSync(join(root, "good.gguf"), join(dir, "good.gguf"));
  const f = await runFuzz({ dir, mutants, goodModel: "good", merge: (m, i) => m.cls !== "templates" && i % 2 === 0 });
  console.log(JSON.stringify({ files: f.files, byClass: f.byClass, templateFallbacks: f.templateFallbacks, merges: f.merges }));

  assert.deepEqual(f.crashedOn, [], "the sidecar process died on these files");
  assert.equal(f.files.crashed, 0);
  assert.ok(f.goodModelServedAfter, "the good model is served after the whole corpus");
  assert.deepEqual(f.unclear, [], "refusals without a clear message");
  assert.deepEqual(f.merges.unloadable, [], "merge outputs llama.cpp cannot load");
  // The corpus really exercises all three outcomes: refused by the header checks or the probe, loaded, merged.
  assert.ok(f.files.refused >= 15 && f.files.loaded >= 5, JSON.stringify(f.files));
  // Files only the probe could refuse (they pass every header check): llama.cpp ended the helper process on them.
  assert.ok((f.byClass["metadata-values"]?.refused ?? 0) >= 2, JSON.stringify(f.byClass["metadata-values"]));
  // Hostile templates (loops, heap exhaustion, recursion) fall back to the transcript with a note.
  assert.ok(f.templateFallbacks >= 3, `template fallbacks: ${f.templateFallbacks}`);
  assert.ok(f.merges.written >= 2 && f.merges.refused >= 1, JSON.stringify(f.merges));
});
