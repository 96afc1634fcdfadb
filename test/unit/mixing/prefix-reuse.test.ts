// KV prefix reuse and the direct native path, checked against the plain way of doing the same thing: a mixer that
// keeps its lanes' caches between requests writes exactly the tokens of one that starts every request from an empty
// cache, while evaluating only the prompt tokens after the common prefix; and the direct native path
// (native-batch.ts) reads exactly what node-llama-cpp's public controlledEvaluate reads. Bigram models for the
// exact tables, random-weight models where the cached tokens really feed attention.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { LlamaModel } from "node-llama-cpp";
import type { MixGenerateResult } from "../../../src/sidecar/mixing/decode";
import { createMixer, type Mixer, type MixerOptions } from "../../../src/sidecar/mixing/mixer";
import type { MixSpec } from "../../../src/sidecar/mixing/spec";
import { makeRandomModel } from "../../../src/sidecar/testmodels/random";
import { loaded, makeTestBed, type TestBed, TRAIN_PY, TRAIN_TS } from "./helpers";

let bed: TestBed;
let dir: string;
const attention: Record<string, LlamaModel> = {};

before(async () => {
  bed = await makeTestBed({
    expert: { corpus: TRAIN_TS, smoothing: 0.1 },
    amateur: { corpus: TRAIN_TS, smoothing: 20 },
    other: { corpus: TRAIN_PY, smoothing: 0.5 },
  });
  dir = mkdtempSync(join(tmpdir(), "chorus-prefix-reuse-"));
  for (const [name, seed] of [["small", 21], ["large", 22]] as const) {
    const made = await makeRandomModel({ out: join(dir, `${name}.gguf`), seed, contextLength: 512 });
    attention[name] = await bed.llama.loadModel({ modelPath: made.path, gpuLayers: 0 });
  }
});
after(async () => {
  for (const m of Object.values(attention)) await m.dispose();
  await bed?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const FILE = "export function add(a: number, b: number): number {\n  return a + b;\n}\n\nexport function sub(a: number, b: number) {\n";
/** Successive requests as an editor makes them: typing on, a jump back, an unrelated prompt, a repeat. */
const REQUESTS = [FILE + "  return", FILE + "  return a -", FILE + "  ret", "def main():\n    ", "def main():\n    "];
/** Plus prompts longer than a context's 512-token batch (evaluated in several batches, lanes sharing them). */
const LONG_REQUESTS = [...REQUESTS, FILE.repeat(7) + "  return", FILE.repeat(7) + "  return a"];

interface Run {
  tokens: number[][];
  logprobs: number[][];
  evaluated: number[];
}

async function runAll(spec: MixSpec, models: Record<string, LlamaModel>, options: MixerOptions, context?: string, sampling = { temperature: 0 }, requests = REQUESTS): Promise<Run> {
  const mixer: Mixer = await createMixer(spec, models, { threads: 1, ...options });
  const run: Run = { tokens: [], logprobs: [], evaluated: [] };
  try {
    for (const prompt of requests) {
      const r: MixGenerateResult = await mixer.generate({ prompt, context, maxTokens: 12, sampling });
      run.tokens.push(r.tokens.map((t) => t.token));
      run.logprobs.push(r.tokens.map((t) => t.logprob));
      run.evaluated.push(r.timing.promptTokensEvaluated);
    }
    return run;
  } finally {
    await mixer.dispose();
  }
}

function assertSameRun(a: Run, b: Run, what: string, tol = 1e-9) {
  assert.deepEqual(a.tokens, b.tokens, `${what}: tokens`);
  a.logprobs.forEach((row, i) => row.forEach((lp, j) => assert.ok(Math.abs(lp - b.logprobs[i]![j]!) <= tol, `${what}: request ${i} token ${j} logprob ${lp} vs ${b.logprobs[i]![j]}`)));
}

const SPECS: { spec: MixSpec; context?: string }[] = [
  { spec: { strategy: "product", models: [{ model: "expert", weight: 1 }, { model: "other", weight: 0.5 }] } },
  { spec: { strategy: "contrastive", expert: "expert", amateur: "amateur", topK: "all" } },
  { spec: { strategy: "context-contrastive", model: "expert", beta: 0.5 }, context: "const total = items.reduce((a, b) => a + b, 0);\n" },
  { spec: { strategy: "deferral", small: "amateur", large: "expert", tau: 0.5 } },
];

void test("every strategy writes the same tokens with and without KV prefix reuse (bigram models)", async () => {
  for (const { spec, context } of SPECS) {
    for (const sampling of [{ temperature: 0 }, { temperature: 1, seed: 3 }]) {
      const fresh = await runAll(spec, loaded(bed), { reusePrefix: false }, context, sampling, LONG_REQUESTS);
      const reused = await runAll(spec, loaded(bed), { reusePrefix: true }, context, sampling, LONG_REQUESTS);
      assertSameRun(reused, fresh, `${spec.strategy} T=${sampling.temperature}`);
    }
  }
});

void test("a request sharing a prefix with the previous one evaluates only the prompt tokens after it", async () => {
  const spec: MixSpec = { strategy: "product", models: [{ model: "expert", weight: 1 }, { model: "other", weight: 1 }] };
  const fresh = await runAll(spec, loaded(bed), { reusePrefix: false });
  const reused = await runAll(spec, loaded(bed), { reusePrefix: true });
  const lanes = 2;
  const promptTokens = (text: string) => 1 + Buffer.byteLength(text); // BOS + one token per byte
  // Without reuse every lane evaluates every prompt token, every time.
  assert.deepEqual(fresh.evaluated, REQUESTS.map((p) => lanes * promptTokens(p)));
  // With reuse: the first request is cold; "  return a -" extends "  return" (the cache also holds the previous
  // answer, which may share more), "  ret" is a prefix of what is cached, so only its last token is re-read;
  // the unrelated prompt shares only BOS; the repeat re-reads its last token.
  assert.equal(reused.evaluated[0], fresh.evaluated[0]);
  assert.ok(reused.evaluated[1]! <= lanes * Buffer.byteLength(" a -"), `extension evaluated ${reused.evaluated[1]}`);
  assert.equal(reused.evaluated[2], lanes * 1);
  assert.equal(reused.evaluated[3], lanes * (promptTokens(REQUESTS[3]!) - 1));
  assert.equal(reused.evaluated[4], lanes * 1);
});

void test("prefix reuse on attention models (the cached keys and values really matter) writes the same tokens", async () => {
  const specs: { spec: MixSpec; context?: string }[] = [
    { spec: { strategy: "product", models: [{ model: "small", weight: 1 }, { model: "large", weight: 1 }], topK: "all" } },
    { spec: { strategy: "context-contrastive", model: "small", beta: 0.6, topK: "all" }, context: "def area(r):\n    return 3.14 * r * r\n\n" },
    { spec: { strategy: "deferral", small: "small", large: "large", tau: 0.3, topK: "all" } },
  ];
  for (const { spec, context } of specs) {
    const fresh = await runAll(spec, attention, { reusePrefix: false }, context);
    const reused = await runAll(spec, attention, { reusePrefix: true }, context);
    // A prompt split between cache and a new batch is computed in other batch shapes (other matmul kernels), so
    // log-probabilities agree up to float rounding: evaluating one of these prompts whole or as n−1 tokens then 1
    // through node-llama-cpp's own API moves logits by up to 6e-3 here. The tokens must be the same.
    assertSameRun(reused, fresh, `attention ${spec.strategy}`, 1e-2);
    assert.ok(reused.evaluated.reduce((a, b) => a + b) < fresh.evaluated.reduce((a, b) => a + b));
  }
});

void test("the direct native path reads exactly what node-llama-cpp's public controlledEvaluate reads", async () => {
  for (const { spec, context } of [...SPECS, { spec: { strategy: "product", models: [{ model: "expert", weight: 1 }, { model: "amateur", weight: 1 }], topK: 5 } as MixSpec }]) {
    const viaPublic = await runAll(spec, loaded(bed), { nativeBatch: false }, context, undefined, LONG_REQUESTS);
    const viaNative = await runAll(spec, loaded(bed), { nativeBatch: true }, context, undefined, LONG_REQUESTS);
    assertSameRun(viaNative, viaPublic, `${spec.strategy} native vs public`, 0);
    assert.deepEqual(viaNative.evaluated, viaPublic.evaluated, `${spec.strategy}: prefix reuse works the same on both paths`);
  }
  // And scoring (teacher forcing: every position read, over more than one batch) agrees too.
  const spec: MixSpec = { strategy: "deferral", small: "amateur", large: "expert", tau: 0.5, topK: 20 };
  const scores = [];
  for (const nativeBatch of [false, true]) {
    const mixer = await createMixer(spec, loaded(bed), { threads: 1, nativeBatch });
    try {
      scores.push(await mixer.score({ text: FILE.repeat(6), context: FILE }));
    } finally {
      await mixer.dispose();
    }
  }
  assert.deepEqual(scores[1], scores[0]);
});

void test("the mixer takes the direct native path with node-llama-cpp as installed", async () => {
  const { NativeContext } = await import("../../../src/sidecar/mixing/native-batch");
  const ctx = await bed.models.expert!.model.createContext({ contextSize: 64, threads: 1 });
  try {
    assert.ok(NativeContext.attach(ctx, bed.models.expert!.model), "node-llama-cpp's internals changed: the mixer would run on the slower public path");
  } finally {
    await ctx.dispose();
  }
});
