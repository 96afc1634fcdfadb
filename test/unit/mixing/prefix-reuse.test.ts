// KV prefix reuse, checked against starting every request from an empty cache: a mixer that keeps its lanes' caches
// between requests writes exactly the same tokens while evaluating only the prompt tokens after the common prefix.
// Bigram models for exactness, random-weight models where the cached tokens really feed attention.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { LlamaModel } from "node-llama-cpp";
import type { MixSpec } from "../../../src/sidecar/mixing/spec";
import { makeRandomModel } from "../../../src/sidecar/testmodels/random";
import { assertSameRun, EDITS, loaded, makeTestBed, runRequests, type TestBed, TRAIN_PY, TRAIN_TS } from "./helpers";

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
  for (const [name, seed] of [
    ["small", 21],
    ["large", 22],
  ] as const) {
    const made = await makeRandomModel({ out: join(dir, `${name}.gguf`), seed, contextLength: 512 });
    attention[name] = await bed.llama.loadModel({ modelPath: made.path, gpuLayers: 0 });
  }
});
after(async () => {
  for (const m of Object.values(attention)) await m.dispose();
  await bed?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const SPECS: { spec: MixSpec; context?: string }[] = [
  {
    spec: {
      strategy: "product",
      models: [
        { model: "expert", weight: 1 },
        { model: "other", weight: 0.5 },
      ],
    },
  },
  { spec: { strategy: "contrastive", expert: "expert", amateur: "amateur", topK: "all" } },
  { spec: { strategy: "context-contrastive", model: "expert", beta: 0.5 }, context: "const total = items.reduce((a, b) => a + b, 0);\n" },
  { spec: { strategy: "deferral", small: "amateur", large: "expert", tau: 0.5 } },
];

void test("every strategy writes the same tokens with and without KV prefix reuse (bigram models)", async () => {
  for (const { spec, context } of SPECS) {
    for (const sampling of [{ temperature: 0 }, { temperature: 1, seed: 3 }]) {
      const prompts = [...EDITS.requests, ...EDITS.long];
      const fresh = await runRequests(spec, loaded(bed), { reusePrefix: false }, prompts, context, sampling);
      const reused = await runRequests(spec, loaded(bed), { reusePrefix: true }, prompts, context, sampling);
      assertSameRun(reused, fresh, `${spec.strategy} T=${sampling.temperature}`, 1e-9);
    }
  }
});

void test("a request sharing a prefix with the previous one evaluates only the prompt tokens after it", async () => {
  const spec: MixSpec = {
    strategy: "product",
    models: [
      { model: "expert", weight: 1 },
      { model: "other", weight: 1 },
    ],
  };
  const fresh = await runRequests(spec, loaded(bed), { reusePrefix: false }, EDITS.requests);
  const reused = await runRequests(spec, loaded(bed), { reusePrefix: true }, EDITS.requests);
  const lanes = 2;
  const promptTokens = (text: string) => 1 + Buffer.byteLength(text); // BOS + one token per byte
  // Without reuse every lane evaluates every prompt token, every time.
  assert.deepEqual(
    fresh.evaluated,
    EDITS.requests.map((p) => lanes * promptTokens(p)),
  );
  // With reuse: the first request is cold; "  return a -" extends "  return" (the cache also holds the previous
  // answer, which may share more); "  ret" is a prefix of what is cached, so only its last token is re-read (a
  // read needs a freshly evaluated position); the unrelated prompt shares only BOS; the repeat re-reads its last token.
  assert.equal(reused.evaluated[0], fresh.evaluated[0]);
  assert.ok(reused.evaluated[1]! <= lanes * Buffer.byteLength(" a -"), `extension evaluated ${reused.evaluated[1]}`);
  assert.equal(reused.evaluated[2], lanes * 1);
  assert.equal(reused.evaluated[3], lanes * (promptTokens(EDITS.requests[3]!) - 1));
  assert.equal(reused.evaluated[4], lanes * 1);
});

void test("prefix reuse on attention models (the cached keys and values really matter) writes the same tokens", async () => {
  const specs: { spec: MixSpec; context?: string }[] = [
    {
      spec: {
        strategy: "product",
        models: [
          { model: "small", weight: 1 },
          { model: "large", weight: 1 },
        ],
        topK: "all",
      },
    },
    { spec: { strategy: "context-contrastive", model: "small", beta: 0.6, topK: "all" }, context: "def area(r):\n    return 3.14 * r * r\n\n" },
    { spec: { strategy: "deferral", small: "small", large: "large", tau: 0.3, topK: "all" } },
  ];
  for (const { spec, context } of specs) {
    const fresh = await runRequests(spec, attention, { reusePrefix: false }, EDITS.requests, context);
    const reused = await runRequests(spec, attention, { reusePrefix: true }, EDITS.requests, context);
    // A prompt split between cache and a new batch is computed in other batch shapes (other matmul kernels), so
    // log-probabilities agree up to float rounding: evaluating one of these prompts whole or as n−1 tokens then 1
    // through node-llama-cpp's own API moves logits by up to 6e-3 here. The tokens must be the same.
    assertSameRun(reused, fresh, `attention ${spec.strategy}`, 1e-2);
    assert.ok(reused.evaluated.reduce((a, b) => a + b) < fresh.evaluated.reduce((a, b) => a + b));
  }
});
