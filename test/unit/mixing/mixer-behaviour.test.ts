// The mixer around the strategies, on real llama.cpp: top-K read-outs agree with full ones, vocabularies must
// match, AbortSignal stops a generation, stop strings cut the text, and bad requests get clear errors.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createMixer, MixRequestError } from "../../../src/sidecar/mixing/mixer";
import type { MixSpec } from "../../../src/sidecar/mixing/spec";
import { VocabularyMismatchError } from "../../../src/sidecar/mixing/vocab";
import { loaded, makeTestBed, type TestBed, TRAIN_PY, TRAIN_TS } from "./helpers";

const TS = TRAIN_TS;
const TS2 = TRAIN_PY;
let bed: TestBed;

before(async () => {
  bed = await makeTestBed({
    expert: { corpus: TS, smoothing: 0.1 },
    amateur: { corpus: TS, smoothing: 20 },
    other: { corpus: TS2, smoothing: 0.5 },
    padded: { corpus: TS, smoothing: 0.1, vocabSize: 300 },
    wide: { corpus: TS, smoothing: 0.1, vocabSize: 400 },
  });
});
after(async () => bed?.dispose());

const PROMPTS = ["export function ", "const x = ", "if (", "return new Map<", "// "];

void test("top-K read-outs (K = 8) give the same greedy tokens as reading the whole vocabulary", async () => {
  const specs: MixSpec[] = [
    {
      strategy: "product",
      models: [
        { model: "expert", weight: 1 },
        { model: "other", weight: 1 },
      ],
    },
    { strategy: "contrastive", expert: "expert", amateur: "amateur", alpha: 0.1, beta: 0.5 },
    { strategy: "dexperts", base: "other", expert: "expert", antiExpert: "amateur", alpha: 2 },
    { strategy: "proxy-tuning", large: "other", tuned: "expert", untuned: "amateur" },
    { strategy: "deferral", small: "other", large: "expert", tau: 0.2 },
  ];
  for (const spec of specs) {
    const full = await createMixer({ ...spec, topK: "all" }, loaded(bed));
    const topK = await createMixer({ ...spec, topK: 8 }, loaded(bed));
    try {
      for (const prompt of PROMPTS) {
        const a = await full.generate({ prompt, maxTokens: 16 });
        const b = await topK.generate({ prompt, maxTokens: 16 });
        assert.equal(b.text, a.text, `${spec.strategy} after ${JSON.stringify(prompt)}`);
        assert.deepEqual(
          b.tokens.map((t) => t.writer),
          a.tokens.map((t) => t.writer),
          `${spec.strategy}: the same writers`,
        );
      }
    } finally {
      await full.dispose();
      await topK.dispose();
    }
  }
});

void test("a model padded by up to 128 ids mixes over the ids both have; one padded further is refused, naming the sizes", async () => {
  // llama.cpp pairs such models for speculative decoding (common/speculative.cpp: SPEC_VOCAB_MAX_SIZE_DIFFERENCE 128).
  const mixer = await createMixer({ strategy: "contrastive", expert: "padded", amateur: "expert", topK: "all" }, loaded(bed));
  try {
    const r = await mixer.generate({ prompt: "export function ", maxTokens: 12, topLogprobs: 5 });
    assert.equal(r.tokens.length, 12);
    // Ids 258–299 exist only in "padded": never chosen, never an alternative (they would be +∞ for contrastive).
    for (const t of r.tokens) for (const id of [t.token, ...t.top.map((a) => a.token)]) assert.ok(id < 258, `id ${id} is not in both vocabularies`);
    assert.ok(r.tokens.every((t) => Number.isFinite(t.logprob)));
  } finally {
    await mixer.dispose();
  }
  await assert.rejects(
    createMixer({ strategy: "contrastive", expert: "expert", amateur: "wide" }, loaded(bed)),
    (e: unknown) => e instanceof VocabularyMismatchError && /"expert" and "wide" have different vocabularies: 258 vs 400 tokens/.test(e.message),
  );
});

void test("an unknown model name is refused before anything is evaluated", async () => {
  await assert.rejects(
    createMixer({ strategy: "deferral", small: "expert", large: "nope" }, loaded(bed)),
    /model "nope" \(the large of this mix\) is not loaded/,
  );
  const loader = async (name: string) => bed.models[name]!.model;
  const m = await createMixer({ strategy: "deferral", small: "other", large: "expert" }, loader);
  assert.deepEqual(
    m.lanes.map((l) => l.role),
    ["small", "large"],
  );
  await m.dispose();
});

void test("an AbortSignal stops generation at the next token and the mixer keeps serving", async () => {
  const mixer = await createMixer(
    {
      strategy: "product",
      models: [
        { model: "expert", weight: 1 },
        { model: "other", weight: 1 },
      ],
    },
    loaded(bed),
  );
  try {
    const controller = new AbortController();
    let seen = 0;
    const r = await mixer.generate({
      prompt: "export function ",
      maxTokens: 200,
      sampling: { temperature: 1, seed: 1 },
      signal: controller.signal,
      onPiece: (p) => {
        seen += p.tokens.length;
        if (seen >= 3) controller.abort();
      },
    });
    assert.equal(r.finishReason, "cancelled");
    assert.equal(r.tokens.length, 3);
    const already = await mixer.generate({ prompt: "x", maxTokens: 5, signal: AbortSignal.abort() });
    assert.deepEqual([already.finishReason, already.tokens.length], ["cancelled", 0]);
    const next = await mixer.generate({ prompt: "export function ", maxTokens: 5 });
    assert.equal(next.tokens.length, 5);
  } finally {
    await mixer.dispose();
  }
});

void test("a stop string ends the text before it, even when it arrives split across tokens", async () => {
  const mixer = await createMixer(
    {
      strategy: "product",
      models: [
        { model: "expert", weight: 1 },
        { model: "other", weight: 1 },
      ],
    },
    loaded(bed),
  );
  try {
    const free = await mixer.generate({ prompt: "const ", maxTokens: 40, sampling: { temperature: 1, seed: 3 } });
    const stop = free.text.slice(10, 12);
    assert.equal(stop.length, 2);
    let streamed = "";
    const streamedTokens: string[] = [];
    const r = await mixer.generate({
      prompt: "const ",
      maxTokens: 40,
      sampling: { temperature: 1, seed: 3 },
      stop: [stop],
      onPiece: (p) => {
        streamed += p.text;
        streamedTokens.push(...p.tokens.map((t) => t.text));
      },
    });
    assert.equal(r.finishReason, "stop");
    assert.equal(r.text, free.text.slice(0, free.text.indexOf(stop)));
    assert.equal(streamed, r.text, "the stream never showed text that was later cut");
    // Logprob entries go with their text: the tokens kept are those whose text starts before the stop string.
    const kept = r.tokens.map((t) => t.text);
    assert.deepEqual(streamedTokens, kept);
    assert.deepEqual(
      kept,
      free.tokens.slice(0, kept.length).map((t) => t.text),
    );
    const keptText = kept.join("");
    assert.ok(
      keptText.startsWith(r.text) && (keptText === r.text || keptText.length - r.text.length < kept.at(-1)!.length),
      `kept tokens ${JSON.stringify(kept)} for text ${JSON.stringify(r.text)}`,
    );
    assert.ok(r.usage.completionTokens > kept.length || keptText.length > r.text.length, "the tokens that made the stop string were generated, not kept");
  } finally {
    await mixer.dispose();
  }
});

void test("bad requests get errors that say what to change", async () => {
  const mixer = await createMixer({ strategy: "context-contrastive", model: "expert" }, loaded(bed));
  try {
    await assert.rejects(mixer.generate({ prompt: "x" }), (e: unknown) => e instanceof MixRequestError && /needs a non-empty context/.test(e.message));
    await assert.rejects(mixer.generate({ prompt: "x", context: "y", maxTokens: 0 }), /maxTokens must be an integer from 1 to/);
    await assert.rejects(mixer.generate({ prompt: "x", context: "y", topLogprobs: 50 }), /topLogprobs must be an integer from 0 to 20/);
    await assert.rejects(mixer.generate({ prompt: "x", context: "y", sampling: { temperature: -2 } }), /temperature must be/);
    await assert.rejects(mixer.generate({ prompt: "x".repeat(5000), context: "y" }), /does not fit the \d+-token mixing context/);
    const ok = await mixer.generate({ prompt: "x", context: "y", maxTokens: 3 });
    assert.equal(ok.tokens.length, 3);
  } finally {
    await mixer.dispose();
  }
});

void test("concurrent requests on one mixer are served one after another with the same results as alone", async () => {
  const mixer = await createMixer({ strategy: "dexperts", base: "other", expert: "expert", antiExpert: "amateur" }, loaded(bed));
  try {
    const alone = [await mixer.generate({ prompt: "if (", maxTokens: 10 }), await mixer.generate({ prompt: "const x = ", maxTokens: 10 })];
    const together = await Promise.all([
      mixer.generate({ prompt: "if (", maxTokens: 10 }),
      mixer.generate({ prompt: "const x = ", maxTokens: 10 }),
      mixer.generate({ prompt: "", maxTokens: 0 }).catch((e: unknown) => e),
    ]);
    assert.equal(together[0].text, alone[0]!.text);
    assert.equal(together[1].text, alone[1]!.text);
    assert.ok(together[2] instanceof MixRequestError, "a bad request in the queue fails alone");
  } finally {
    await mixer.dispose();
  }
  await assert.rejects(mixer.generate({ prompt: "x" }), /disposed/);
});
