// The direct native path (native-batch.ts) against node-llama-cpp's public controlledEvaluate: the same read-outs,
// hence the same tokens, for every strategy, long prompts over several batches and teacher-forced scoring; and its
// normalised read-out (top K entries, full-vocabulary normaliser from a second sampler) gives true
// log-probabilities, checked against the bigram tables on both paths.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { maxProb, logprobOf } from "../../../src/sidecar/mixing/distribution";
import { createLane, readLane, startLane, wholeVocabulary } from "../../../src/sidecar/mixing/lockstep";
import { createMixer } from "../../../src/sidecar/mixing/mixer";
import type { ScoreResult } from "../../../src/sidecar/mixing/score";
import { NativeContext } from "../../../src/sidecar/mixing/native-batch";
import type { MixSpec } from "../../../src/sidecar/mixing/spec";
import { assertSameRun, EDITS, loaded, makeTestBed, runRequests, type TestBed, TRAIN_PY, TRAIN_TS } from "./helpers";

let bed: TestBed;

before(async () => {
  bed = await makeTestBed({
    expert: { corpus: TRAIN_TS, smoothing: 0.1 },
    amateur: { corpus: TRAIN_TS, smoothing: 20 },
    other: { corpus: TRAIN_PY, smoothing: 0.5 },
  });
});
after(async () => bed?.dispose());

void test("the mixer takes the direct native path with node-llama-cpp as installed", async () => {
  const model = bed.models.expert!.model;
  const ctx = await model.createContext({ contextSize: 64, threads: 1 });
  try {
    assert.ok(NativeContext.attach(ctx, model), "node-llama-cpp's internals changed: the mixer would run on the slower public path");
    assert.notEqual(NativeContext.sequenceId(ctx.getSequence()), undefined);
  } finally {
    await ctx.dispose();
  }
});

void test("the direct native path reads exactly what node-llama-cpp's public controlledEvaluate reads", async () => {
  const specs: { spec: MixSpec; context?: string }[] = [
    {
      spec: {
        strategy: "product",
        models: [
          { model: "expert", weight: 1 },
          { model: "other", weight: 0.5 },
        ],
      },
    },
    {
      spec: {
        strategy: "product",
        models: [
          { model: "expert", weight: 1 },
          { model: "amateur", weight: 1 },
        ],
        topK: 5,
      },
    },
    { spec: { strategy: "contrastive", expert: "expert", amateur: "amateur", topK: "all" } },
    { spec: { strategy: "context-contrastive", model: "expert", beta: 0.5 }, context: "const total = items.reduce((a, b) => a + b, 0);\n" },
    { spec: { strategy: "deferral", small: "amateur", large: "expert", tau: 0.5 } },
  ];
  for (const { spec, context } of specs) {
    const prompts = [...EDITS.requests, ...EDITS.long];
    const viaPublic = await runRequests(spec, loaded(bed), { nativeBatch: false }, prompts, context);
    const viaNative = await runRequests(spec, loaded(bed), { nativeBatch: true }, prompts, context);
    assertSameRun(viaNative, viaPublic, `${spec.strategy} native vs public`, 0);
    assert.deepEqual(viaNative.evaluated, viaPublic.evaluated, `${spec.strategy}: prefix reuse works the same on both paths`);
  }
});

void test("scoring (teacher forcing: every position read, over several batches) agrees on both paths", async () => {
  for (const spec of [
    { strategy: "deferral", small: "amateur", large: "expert", tau: 0.5, topK: 20 },
    {
      strategy: "product",
      models: [
        { model: "expert", weight: 1 },
        { model: "other", weight: 1 },
      ],
    },
  ] as MixSpec[]) {
    const scores: ScoreResult[] = [];
    for (const nativeBatch of [false, true]) {
      const mixer = await createMixer(spec, loaded(bed), { threads: 1, nativeBatch });
      try {
        scores.push(await mixer.score({ text: EDITS.file.repeat(6), context: EDITS.file }));
      } finally {
        await mixer.dispose();
      }
    }
    assert.equal(scores[1]!.logprobs.length, scores[0]!.logprobs.length);
    scores[1]!.logprobs.forEach((lp, i) =>
      assert.ok(Math.abs(lp - scores[0]!.logprobs[i]!) < 1e-6, `${spec.strategy} position ${i}: ${lp} vs ${scores[0]!.logprobs[i]}`),
    );
    assert.deepEqual(scores[1]!.writers, scores[0]!.writers);
  }
});

void test("a normalised top-K read-out gives true log-probabilities (full-vocabulary normaliser) on both paths", async () => {
  const { model, table } = bed.models.other!;
  for (const native of [true, false]) {
    const ctx = await model.createContext({ contextSize: 256, threads: 1 });
    try {
      const lane = createLane(
        { role: "small", model: "other", withContext: true },
        ctx.getSequence(),
        wholeVocabulary(table.vocabSize),
        native ? NativeContext.attach(ctx, model) : undefined,
      );
      assert.equal(lane.native !== undefined, native);
      const tokens = [model.tokens.bos!, ...model.tokenize("def total(items):\n    return sum(")] as number[];
      for (let end = 2; end <= tokens.length; end += 5) {
        await startLane(lane, tokens.slice(0, end), true);
        const d = await readLane(lane, 8, true);
        const row = table.row(tokens[end - 1]!);
        const what = `${native ? "native" : "public"} after ${end} tokens`;
        assert.ok(d.normalised, what);
        assert.equal(d.logits.size, 8, what);
        assert.ok(Math.abs(maxProb(d) - Math.exp(Math.max(...row))) < 1e-4, `${what}: confidence ${maxProb(d)} vs ${Math.exp(Math.max(...row))}`);
        for (const t of d.logits.keys()) assert.ok(Math.abs(logprobOf(d, t) - row[t]!) < 1e-3, `${what}: token ${t} ${logprobOf(d, t)} vs ${row[t]}`);
      }
    } finally {
      await ctx.dispose();
    }
  }
});
