// A model whose vocabulary is too large to read whole is read as its top K. With logprobs asked for, each read also
// carries the full-vocabulary normaliser, so the logprobs are the model's true ones; without, that extra pass is
// skipped and the reply is the same. Checked on a bigram model of 5000 tokens against its table.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { generate } from "../../../src/sidecar/generation/generate";
import type { ReadKind } from "../../../src/sidecar/mixing/native-batch";
import { LoadedModel } from "../../../src/sidecar/registry/loaded-model";
import { makeBigramModel, type BigramTable } from "../../../src/sidecar/testmodels/bigram";
import { bytesOf } from "./helpers";

let dir: string;
let model: LoadedModel;
let table: BigramTable;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorus-model-readout-"));
  const lib = await import("node-llama-cpp");
  const llama = await lib.getLlama({ gpu: false, build: "never", logLevel: lib.LlamaLogLevel.error });
  const made = await makeBigramModel({
    corpus: "export function add(a: number, b: number) {\n  return a + b;\n}\n".repeat(30),
    out: join(dir, "wide.gguf"),
    vocabSize: 5000,
  });
  table = made.table;
  model = await LoadedModel.load(llama, "wide", made.path, { threads: 1, maxContext: 256, gpu: false });
});
after(async () => {
  await model?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** The read kinds the model's lane asks llama.cpp for while `work` runs. */
async function readKinds<T>(work: () => Promise<T>): Promise<{ result: T; kinds: Set<ReadKind> }> {
  const native = model.lane.native;
  assert.ok(native, "the model is read through the native path");
  const kinds = new Set<ReadKind>();
  const evaluate = native.context.evaluate.bind(native.context);
  native.context.evaluate = (jobs) => {
    for (const j of jobs) kinds.add(j.sampler.kind);
    return evaluate(jobs);
  };
  try {
    return { result: await work(), kinds };
  } finally {
    native.context.evaluate = evaluate;
  }
}

void test("a large-vocabulary model reads the normaliser only for logprobs, with the same reply either way and true logprobs", async () => {
  const prompt = [model.model.tokens.bos!, ...bytesOf("return a")];
  const opts = { maxTokens: 12, temperature: 0, topP: 1, stop: [] };
  const never = new AbortController().signal;
  const plain = await readKinds(() => generate(model, prompt, opts, never, undefined, { topK: 16, lookahead: 0 }));
  const withLogprobs = await readKinds(() => generate(model, prompt, { ...opts, topLogprobs: 2 }, never, undefined, { topK: 16, lookahead: 0 }));
  assert.deepEqual([...plain.kinds], ["top"]);
  assert.deepEqual([...withLogprobs.kinds], ["normalised"]);
  assert.equal(plain.result.text, withLogprobs.result.text);
  assert.equal(plain.result.logprobs.length, 0);
  const lp = withLogprobs.result.logprobs;
  assert.equal(lp.length, 12);
  let prev = prompt.at(-1)!;
  for (const [i, e] of lp.entries()) {
    const token = Buffer.from(e.token, "latin1")[0]!;
    assert.ok(Math.abs(e.logprob - table.logProb(prev, token)) < 2e-3, `token ${i}: ${e.logprob} vs the table's ${table.logProb(prev, token)}`);
    prev = token;
  }
});
