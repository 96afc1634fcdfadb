// A single model served with lookahead: each evaluation checks tokens guessed from the text, and a guessed token is
// answered from that batch. The reply — text and logprobs, greedy or sampled — is the one the model writes a token
// at a time (logprobs to llama.cpp's float rounding: a batch of positions is multiplied in another order than one
// position), and the KV cache left behind serves the next request as a fresh model would. Run on random-weight
// models with real attention (a stale cache entry changes their output) and a bigram model.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Llama } from "node-llama-cpp";
import { generate, type GenerateOptions } from "../../../src/sidecar/generation/generate";
import { LoadedModel } from "../../../src/sidecar/registry/loaded-model";
import { makeBigramModel } from "../../../src/sidecar/testmodels/bigram";
import { makeRandomModel } from "../../../src/sidecar/testmodels/random";
import { bytesOf } from "./helpers";

let dir: string;
let llama: Llama;
const paths: Record<string, string> = {};
const opened: LoadedModel[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorus-model-lookahead-"));
  const lib = await import("node-llama-cpp");
  llama = await lib.getLlama({ gpu: false, build: "never", logLevel: lib.LlamaLogLevel.error });
  paths.attention = (await makeRandomModel({ out: join(dir, "attention.gguf"), seed: 5, contextLength: 1024 })).path;
  paths.bigram = (await makeBigramModel({ corpus: "function add(a, b) {\n  return a + b;\n}\n".repeat(20), out: join(dir, "bigram.gguf") })).path;
});
after(async () => {
  for (const m of opened) await m.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function load(name: string): Promise<LoadedModel> {
  const m = await LoadedModel.load(llama, name, paths[name]!, { threads: 1, maxContext: 1024, gpu: false });
  opened.push(m);
  return m;
}

const FILE = "function add(a, b) {\n  return a + b;\n}\n".repeat(4);
const never = new AbortController().signal;

async function reply(model: LoadedModel, lookahead: number, prompt: string, opts: Partial<GenerateOptions> = {}) {
  const tokens = [model.model.tokens.bos!, ...bytesOf(prompt)];
  return generate(model, tokens, { maxTokens: 40, temperature: 0, topP: 1, stop: [], topLogprobs: 2, ...opts }, never, undefined, { topK: 16, lookahead });
}

type Logprobs = Awaited<ReturnType<typeof generate>>["logprobs"];

function assertSameLogprobs(a: Logprobs, b: Logprobs, what: string): void {
  assert.equal(a.length, b.length, what);
  const close = (x: number, y: number) => Math.abs(x - y) < 1e-3;
  a.forEach((e, i) => {
    const f = b[i]!;
    assert.equal(e.token, f.token, what);
    assert.ok(close(e.logprob, f.logprob), `${what}, token ${i}: logprob ${e.logprob} vs ${f.logprob}`);
    assert.deepEqual(
      e.top.map((t) => t.token),
      f.top.map((t) => t.token),
      what,
    );
    assert.ok(
      e.top.every((t, k) => close(t.logprob, f.top[k]!.logprob)),
      `${what}, token ${i}: top logprobs`,
    );
  });
}

/** Counts the model's native evaluations and the guessed tokens they checked (read after, beyond the first read). */
function spy(model: LoadedModel): { evaluations: number; guesses: number } {
  const native = model.lane.native;
  assert.ok(native, "the model is read through the native path");
  const counts = { evaluations: 0, guesses: 0 };
  const evaluate = native.context.evaluate.bind(native.context);
  native.context.evaluate = (jobs) => {
    counts.evaluations++;
    for (const j of jobs) counts.guesses += j.tokens.length - j.readFrom - 1;
    return evaluate(jobs);
  };
  return counts;
}

for (const name of ["attention", "bigram"]) {
  void test(`${name}: the same reply with and without lookahead, greedy and sampled, and a cache that serves the next request`, async () => {
    const ahead = await load(name);
    const plain = await load(name);
    const counts = spy(ahead);
    let prompt = FILE;
    for (const [i, more] of ["function ", "sub(a", ", b) {\n  ret"].entries()) {
      prompt += more;
      const sampling = i === 1 ? { temperature: 0.8, topP: 0.95, seed: 11 } : {};
      const a = await reply(ahead, 8, prompt, sampling);
      const b = await reply(plain, 0, prompt, sampling);
      assert.equal(a.text, b.text, `after ${JSON.stringify(more)}`);
      assertSameLogprobs(a.logprobs, b.logprobs, `after ${JSON.stringify(more)}`);
      assert.equal(a.finishReason, b.finishReason);
      prompt += a.text.slice(0, 7);
    }
    assert.ok(counts.guesses > 0, "no guesses were checked");
  });
}

void test("on text that repeats, the bigram model's reply takes far fewer evaluations with lookahead", async () => {
  const model = await load("bigram");
  const counts = spy(model);
  const prompt = FILE + "function ";
  const run = async (lookahead: number) => {
    const before = counts.evaluations;
    const r = await reply(model, lookahead, prompt, { maxTokens: 48, topLogprobs: undefined });
    return { evaluations: counts.evaluations - before, text: r.text, tokens: r.completionTokens };
  };
  const plain = await run(0);
  const ahead = await run(4);
  assert.equal(ahead.text, plain.text);
  // Without lookahead: one evaluation for the prompt's uncached tail, then one per token after the first.
  assert.equal(plain.evaluations, plain.tokens);
  assert.ok(
    ahead.evaluations < plain.evaluations / 2,
    `lookahead took ${ahead.evaluations} evaluations for ${ahead.tokens} tokens (plain: ${plain.evaluations})`,
  );
});
