// Every strategy decoded by real llama.cpp over generated bigram GGUFs, checked token by token against the same
// formula applied to the bigram tables (computed by bigramTable, independently of llama.cpp).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { MixedToken } from "../../../src/sidecar/mixing/decode";
import { createMixer } from "../../../src/sidecar/mixing/mixer";
import type { MixSpec } from "../../../src/sidecar/mixing/spec";
import { BOS_ID, byteTokens } from "../../../src/sidecar/testmodels/byte-vocab";
import { loaded, logSumExp, makeTestBed, type TestBed, TRAIN_PY, TRAIN_TS } from "./helpers";

const TS = TRAIN_TS;
const TS2 = TRAIN_PY;
let bed: TestBed;

before(async () => {
  bed = await makeTestBed({
    expert: { corpus: TS, smoothing: 0.1 },
    amateur: { corpus: TS, smoothing: 20 },
    other: { corpus: TS2, smoothing: 0.5 },
  });
});
after(async () => bed?.dispose());

const row = (name: string, prev: number) => bed.models[name]!.table.row(prev);
const TOL = 1e-4;

/** Reference mixed scores over the whole vocabulary for the token after `prev` (null = excluded). */
type Reference = (prev: number, step: number) => { scores: (number | null)[]; writer?: string };

/**
 * Decode with K = all, greedy and then sampled (T = 1, seeded, so the path wanders through many table rows). Every
 * token must carry the reference log-probability, its alternatives too; greedy tokens must be an argmax.
 */
async function checkAgainstTables(spec: MixSpec, reference: Reference, prompt = "export function ", context?: string): Promise<MixedToken[]> {
  const mixer = await createMixer(spec, loaded(bed));
  const all: MixedToken[] = [];
  try {
    for (const sampling of [{ temperature: 0 }, { temperature: 1, seed: 7 }]) {
      const greedy = sampling.temperature === 0;
      const r = await mixer.generate({ prompt, context, maxTokens: 24, topLogprobs: 3, sampling });
      const what = `${spec.strategy} (${greedy ? "greedy" : "sampled"})`;
      assert.ok(r.tokens.length === 24 || r.finishReason === "stop", `${what}: generated ${r.tokens.length} tokens (${r.finishReason})`);
      let prev = byteTokens(prompt).at(-1) ?? BOS_ID;
      r.tokens.forEach((tok, step) => {
        const { scores, writer } = reference(prev, step);
        const finite = scores.filter((s): s is number => s !== null);
        const norm = logSumExp(finite);
        const at = scores[tok.token];
        assert.ok(at !== null && at !== undefined, `${what} step ${step}: token ${tok.token} is excluded by the formula`);
        if (greedy)
          assert.ok(Math.abs(at - Math.max(...finite)) < TOL, `${what} step ${step}: token ${tok.token} scores ${at}, the best is ${Math.max(...finite)}`);
        assert.ok(Math.abs(tok.logprob - (at - norm)) < TOL, `${what} step ${step}: logprob ${tok.logprob} vs ${at - norm}`);
        assert.equal(tok.top.length, Math.min(3, finite.length));
        assert.ok(Math.abs(tok.top[0]!.logprob - (Math.max(...finite) - norm)) < TOL, `${what} step ${step}: best alternative`);
        for (const alt of tok.top) assert.ok(Math.abs(alt.logprob - (scores[alt.token]! - norm)) < TOL, `${what} step ${step}: alternative ${alt.token}`);
        if (writer) assert.equal(tok.writer, writer, `${what} step ${step}: writer`);
        prev = tok.token;
      });
      all.push(...r.tokens);
    }
    return all;
  } finally {
    await mixer.dispose();
  }
}

/** A reference score for every token of the vocabulary. */
const map = (_prev: number, f: (t: number) => number | null) => Array.from({ length: bed.models.expert!.table.vocabSize }, (_, t) => f(t));

void test("contrastive decoding matches (1+β)·log p_e − β·log p_a over the plausible set, token by token", async () => {
  const alpha = 0.1;
  const beta = 0.5;
  await checkAgainstTables({ strategy: "contrastive", expert: "expert", amateur: "amateur", alpha, beta, topK: "all" }, (prev) => {
    const e = row("expert", prev);
    const a = row("amateur", prev);
    const maxLp = Math.max(...e);
    return { scores: map(prev, (t) => (e[t]! >= maxLp + Math.log(alpha) ? (1 + beta) * e[t]! - beta * a[t]! : null)) };
  });
});

void test("DExperts matches log p_base + α(log p_expert − log p_anti)", async () => {
  await checkAgainstTables({ strategy: "dexperts", base: "other", expert: "expert", antiExpert: "amateur", alpha: 2, topK: "all" }, (prev) => {
    const [b, e, a] = [row("other", prev), row("expert", prev), row("amateur", prev)];
    return { scores: map(prev, (t) => b[t]! + 2 * (e[t]! - a[t]!)) };
  });
});

void test("proxy-tuning matches log p_large + (log p_tuned − log p_untuned)", async () => {
  await checkAgainstTables({ strategy: "proxy-tuning", large: "other", tuned: "expert", untuned: "amateur", topK: "all" }, (prev) => {
    const [l, tu, un] = [row("other", prev), row("expert", prev), row("amateur", prev)];
    return { scores: map(prev, (t) => l[t]! + tu[t]! - un[t]!) };
  });
});

void test("weighted product of experts matches Σ wᵢ log pᵢ", async () => {
  const models = [
    { model: "expert", weight: 0.7 },
    { model: "other", weight: 1.3 },
    { model: "amateur", weight: 0.2 },
  ];
  await checkAgainstTables({ strategy: "product", models, topK: "all" }, (prev) => ({
    scores: map(prev, (t) => models.reduce((s, m) => s + m.weight * row(m.model, prev)[t]!, 0)),
  }));
});

void test("context-contrastive reads the model with and without the context", async () => {
  // A bigram model conditions on the last token only: with an empty prompt the first step contrasts the row of the
  // context's last byte with the row of BOS; after that both lanes share the last token.
  const context = "const x = ";
  const beta = 0.8;
  await checkAgainstTables(
    { strategy: "context-contrastive", model: "expert", beta, topK: "all" },
    (prev, step) => {
      const withCtx = row("expert", step === 0 ? byteTokens(context).at(-1)! : prev);
      const without = row("expert", step === 0 ? BOS_ID : prev);
      return { scores: map(prev, (t) => (1 + beta) * withCtx[t]! - beta * without[t]!) };
    },
    "",
    context,
  );
});

void test("deferral: the small model writes unless its confidence is below τ, and the report counts who wrote", async () => {
  const confidence = (prev: number) => Math.exp(Math.max(...row("other", prev)));
  const tau = 0.2;
  const tokens = await checkAgainstTables({ strategy: "deferral", small: "other", large: "expert", tau, topK: "all" }, (prev) => {
    const defer = confidence(prev) < tau;
    const own = row(defer ? "expert" : "other", prev);
    return { scores: map(prev, (t) => own[t]!), writer: defer ? "large" : "small" };
  });
  const writers = new Set(tokens.map((t) => t.writer));
  assert.deepEqual([...writers].sort(), ["large", "small"], "the sampled path exercises both writers");
});
