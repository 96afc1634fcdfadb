// Lookahead decoding: drafts guessed from the text are checked in the lanes' batches, and the reply is the same
// token for token as one token a step — greedy and sampled, for every mixing strategy and for deferral — while
// repetitive text lets most tokens come from confirmed drafts. Rejected drafts leave the KV caches as if they were
// never guessed.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it, test } from "node:test";
import type { LlamaModel } from "node-llama-cpp";
import { LookaheadError, PromptLookup } from "../../../src/sidecar/mixing/lookahead";
import { createMixer } from "../../../src/sidecar/mixing/mixer";
import type { MixSpec } from "../../../src/sidecar/mixing/spec";
import { makeRandomModel } from "../../../src/sidecar/testmodels/random";
import { loaded, makeTestBed, type TestBed, TRAIN_PY, TRAIN_TS } from "./helpers";

void describe("PromptLookup", () => {
  void it("proposes what followed the last two tokens where they last occurred", () => {
    const l = new PromptLookup(100);
    l.push([1, 2, 3, 4, 5, 9, 1, 2]);
    assert.deepEqual(l.propose(3), [3, 4, 5]);
    assert.deepEqual(l.propose(1), [3]);
    assert.deepEqual(l.propose(0), []);
    l.push([7]);
    assert.deepEqual(l.propose(4), [], "the pair (2, 7) has not occurred before");
  });

  void it("takes the most recent occurrence, never the suffix itself, and continues a cycle past the end", () => {
    const l = new PromptLookup(10);
    l.push([4, 5, 1, 4, 5, 2, 4, 5]);
    assert.deepEqual(l.propose(2), [2, 4]);
    assert.deepEqual(l.propose(5), [2, 4, 5, 2, 4]);
    const periodic = new PromptLookup(10);
    periodic.push([1, 2, 3, 1, 2]);
    assert.deepEqual(periodic.propose(7), [3, 1, 2, 3, 1, 2, 3]);
    assert.deepEqual(new PromptLookup(10).propose(3), []);
  });
});

const TS = TRAIN_TS;
let bed: TestBed;
/** Random-weight models with real attention: unlike the bigram models, a stale token in the KV cache shows. */
const attention: Record<string, LlamaModel> = {};

before(async () => {
  bed = await makeTestBed({
    expert: { corpus: TS, smoothing: 0.1 },
    amateur: { corpus: TS, smoothing: 20 },
    other: { corpus: TRAIN_PY, smoothing: 0.5 },
  });
  for (const [name, seed] of [
    ["small", 21],
    ["large", 22],
  ] as const) {
    const made = await makeRandomModel({ out: join(bed.dir, `${name}.gguf`), seed, contextLength: 1024 });
    attention[name] = await bed.llama.loadModel({ modelPath: made.path, gpuLayers: 0 });
  }
});
after(async () => {
  for (const m of Object.values(attention)) await m.dispose();
  await bed?.dispose();
});

const SPECS: MixSpec[] = [
  {
    strategy: "product",
    models: [
      { model: "expert", weight: 1 },
      { model: "other", weight: 1 },
    ],
    topK: 16,
  },
  { strategy: "contrastive", expert: "expert", amateur: "amateur", alpha: 0.1, beta: 0.5 },
  { strategy: "dexperts", base: "other", expert: "expert", antiExpert: "amateur", alpha: 2 },
  { strategy: "proxy-tuning", large: "other", tuned: "expert", untuned: "amateur", topK: 16 },
  { strategy: "context-contrastive", model: "expert", beta: 0.5 },
  { strategy: "deferral", small: "other", large: "expert", tau: 0.5 },
];

// A file whose lines repeat, as code does: the guesses have something to find.
const FILE = "export function add(a: number, b: number): number {\n  return a + b;\n}\n".repeat(4);

void test("every strategy writes the same tokens with and without lookahead, greedy and sampled", async () => {
  for (const spec of SPECS) {
    const plain = await createMixer(spec, loaded(bed), { lookahead: 0 });
    const ahead = await createMixer(spec, loaded(bed), { lookahead: 8 });
    try {
      for (const sampling of [undefined, { temperature: 0.8, topP: 0.95, seed: 7 }]) {
        const req = { prompt: FILE + "export function ", context: "// math helpers\n", maxTokens: 48, sampling, topLogprobs: 2 };
        const a = await plain.generate(req);
        const b = await ahead.generate(req);
        const what = `${spec.strategy}, ${sampling ? "sampled" : "greedy"}`;
        assert.deepEqual(
          b.tokens.map((t) => t.token),
          a.tokens.map((t) => t.token),
          what,
        );
        assert.deepEqual(
          b.tokens.map((t) => t.logprob),
          a.tokens.map((t) => t.logprob),
          `${what}: the same logprobs`,
        );
        assert.equal(b.text, a.text, what);
        assert.equal(b.finishReason, a.finishReason, what);
        assert.deepEqual(b.writers, a.writers, `${what}: the same writers`);
        assert.equal(a.timing.draftTokens, 0, `${what}: lookahead 0 guesses nothing`);
      }
    } finally {
      await plain.dispose();
      await ahead.dispose();
    }
  }
});

void test("on repetitive text a large share of the tokens comes from confirmed drafts", async () => {
  const mixer = await createMixer(SPECS[0]!, loaded(bed), { lookahead: 8, reusePrefix: false });
  try {
    const r = await mixer.generate({ prompt: FILE + "export function ", maxTokens: 64 });
    assert.equal(r.tokens.length, 64);
    assert.ok(r.timing.draftTokens > 0, "drafts were proposed");
    // The product of these bigram experts settles into a cycle, which the lookup then predicts.
    assert.ok(r.timing.draftTokensAccepted >= r.tokens.length / 3, `only ${r.timing.draftTokensAccepted} of ${r.timing.draftTokens} drafts were confirmed`);
    assert.ok(r.timing.draftTokensAccepted <= r.timing.draftTokens);
  } finally {
    await mixer.dispose();
  }
});

void test("rejected drafts are dropped from the KV caches: a reused prefix answers as a cold mixer does", async () => {
  const warm = await createMixer(SPECS[1]!, loaded(bed), { lookahead: 8 });
  const cold = await createMixer(SPECS[1]!, loaded(bed), { lookahead: 0, reusePrefix: false });
  try {
    let prompt = FILE;
    for (const more of ["export function ", "sub(a", ": number) {\n  ret"]) {
      prompt += more;
      const a = await warm.generate({ prompt, maxTokens: 24, sampling: { temperature: 1, seed: 3 } });
      const b = await cold.generate({ prompt, maxTokens: 24, sampling: { temperature: 1, seed: 3 } });
      assert.deepEqual(
        a.tokens.map((t) => t.token),
        b.tokens.map((t) => t.token),
        `after ${JSON.stringify(more)}`,
      );
      prompt += a.text.slice(0, 5);
    }
  } finally {
    await warm.dispose();
    await cold.dispose();
  }
});

void test("on attention models too, drafts checked and dropped leave the same reply and the same KV caches", async () => {
  const spec: MixSpec = {
    strategy: "product",
    models: [
      { model: "small", weight: 1 },
      { model: "large", weight: 0.5 },
    ],
    topK: 16,
  };
  const warm = await createMixer(spec, attention, { lookahead: 8 });
  const cold = await createMixer(spec, attention, { lookahead: 0, reusePrefix: false });
  try {
    let prompt = FILE;
    let drafts = 0;
    let accepted = 0;
    for (const more of ["export function ", "sub(a", ": number) {\n  ret"]) {
      prompt += more;
      const a = await warm.generate({ prompt, maxTokens: 32 });
      const b = await cold.generate({ prompt, maxTokens: 32 });
      assert.deepEqual(
        a.tokens.map((t) => t.token),
        b.tokens.map((t) => t.token),
        `after ${JSON.stringify(more)}`,
      );
      drafts += a.timing.draftTokens;
      accepted += a.timing.draftTokensAccepted;
      prompt += a.text.slice(0, 5);
    }
    assert.ok(drafts > accepted, `some drafts were dropped (${accepted} of ${drafts} confirmed)`);
  } finally {
    await warm.dispose();
    await cold.dispose();
  }
});

void test("through node-llama-cpp's public evaluate path (Vulkan, or when its internals change) lookahead gives the same reply", async () => {
  for (const spec of [SPECS[0]!, SPECS[5]!]) {
    const plain = await createMixer(spec, loaded(bed), { lookahead: 0 });
    const ahead = await createMixer(spec, loaded(bed), { lookahead: 8, nativeBatch: false });
    try {
      const req = { prompt: FILE + "export function ", maxTokens: 40, sampling: { temperature: 0.8, seed: 5 } };
      const a = await plain.generate(req);
      const b = await ahead.generate(req);
      assert.deepEqual(
        b.tokens.map((t) => t.token),
        a.tokens.map((t) => t.token),
        spec.strategy,
      );
      assert.ok(b.timing.draftTokensAccepted > 0, `${spec.strategy}: no draft was confirmed`);
      const again = await ahead.generate({ ...req, prompt: req.prompt + a.text.slice(0, 9) });
      const cold = await plain.generate({ ...req, prompt: req.prompt + a.text.slice(0, 9) });
      assert.deepEqual(
        again.tokens.map((t) => t.token),
        cold.tokens.map((t) => t.token),
        `${spec.strategy}, prefix reused`,
      );
    } finally {
      await plain.dispose();
      await ahead.dispose();
    }
  }
});

void test("a stop string or the token limit inside a run of confirmed drafts ends the reply there", async () => {
  const plain = await createMixer(SPECS[0]!, loaded(bed), { lookahead: 0 });
  const ahead = await createMixer(SPECS[0]!, loaded(bed), { lookahead: 8 });
  try {
    const free = await plain.generate({ prompt: FILE + "export function ", maxTokens: 60 });
    const stop = free.text.slice(40, 43);
    for (const req of [{ maxTokens: 60, stop: [stop] }, { maxTokens: 37 }]) {
      const a = await plain.generate({ prompt: FILE + "export function ", ...req });
      const b = await ahead.generate({ prompt: FILE + "export function ", ...req });
      assert.deepEqual([b.text, b.finishReason, b.tokens.length], [a.text, a.finishReason, a.tokens.length], JSON.stringify(req));
    }
  } finally {
    await plain.dispose();
    await ahead.dispose();
  }
});

void test("a lookahead that is not a whole number from 0 to 16 is refused", async () => {
  await assert.rejects(createMixer(SPECS[0]!, loaded(bed), { lookahead: -1 }), LookaheadError);
  const m = await createMixer(SPECS[0]!, loaded(bed));
  try {
    await assert.rejects(m.generate({ prompt: "x", lookahead: 1.5 }), /lookahead must be an integer from 0 to 16/);
  } finally {
    await m.dispose();
  }
});
