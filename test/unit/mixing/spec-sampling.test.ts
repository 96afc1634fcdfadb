// MixSpec validation, sampling after mixing, shared-vocabulary refusal, and streamed text with stop strings.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MixSampler } from "../../../src/sidecar/mixing/sampling";
import { distFromLogprobs } from "../../../src/sidecar/mixing/distribution";
import { ownScores } from "../../../src/sidecar/mixing/strategies/deferral";
import { singleModelStrategy } from "../../../src/sidecar/mixing/strategies/single";
import { MixSpecError, parseMixSpec } from "../../../src/sidecar/mixing/spec";
import type { Mixed } from "../../../src/sidecar/mixing/strategies/types";
import { TextAssembler } from "../../../src/sidecar/mixing/text";

void test("parseMixSpec fills defaults and keeps the named models", () => {
  const s = parseMixSpec({ strategy: "contrastive", expert: "ts-expert", amateur: "weak" });
  assert.deepEqual(s, { strategy: "contrastive", topK: 40, expert: "ts-expert", amateur: "weak", alpha: 0.1, beta: 0.5 });
  const p = parseMixSpec({ strategy: "product", models: [{ model: "a", weight: 2 }, { model: "b" }], topK: "all" });
  assert.deepEqual(p, {
    strategy: "product",
    topK: "all",
    models: [
      { model: "a", weight: 2 },
      { model: "b", weight: 1 },
    ],
  });
  assert.equal(parseMixSpec({ strategy: "dexperts", base: "a", expert: "b", antiExpert: "c" }).strategy, "dexperts");
});

void test("parseMixSpec refuses bad specs, naming what is wrong", () => {
  const bad: [unknown, RegExp][] = [
    [null, /expected an object/],
    [{ strategy: "vote" }, /"strategy" must be one of contrastive, dexperts/],
    [{ strategy: "contrastive", expert: "a", amateur: "b", apha: 0.1 }, /unknown key "apha"/],
    [{ strategy: "contrastive", expert: "a" }, /"amateur" must name a model/],
    [{ strategy: "contrastive", expert: "a", amateur: "b", alpha: 0 }, /"alpha" .* must be a number in \(0, 1\]/],
    [{ strategy: "deferral", small: "a", large: "b", tau: 2 }, /"tau" .* \[0, 1\]/],
    [{ strategy: "product", models: [{ model: "a" }] }, /2 to 8 entries/],
    [
      {
        strategy: "product",
        models: [
          { model: "a", weight: 0 },
          { model: "b", weight: 0 },
        ],
      },
      /at least one weight/,
    ],
    [{ strategy: "product", models: [{ model: "a", weight: -1 }, { model: "b" }] }, /models\[0\]: "weight"/],
    [{ strategy: "dexperts", base: "a", expert: "b", antiExpert: "c", topK: 0 }, /"topK" must be an integer/],
  ];
  for (const [raw, message] of bad)
    assert.throws(
      () => parseMixSpec(raw, "preset x"),
      (e: unknown) => e instanceof MixSpecError && message.test(e.message) && e.message.startsWith("preset x"),
    );
});

const mixed: Mixed = { tokens: [7, 8, 9, 10], scores: Float64Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.2), -Infinity]) };

void test("greedy at temperature 0; logprob and alternatives under the mixed distribution", () => {
  const c = new MixSampler({ temperature: 0 }).choose({ tokens: [1, 2, 3], scores: Float64Array.from([0, 2, 1]) }, 2);
  assert.equal(c.token, 2);
  const z = Math.log(Math.exp(0) + Math.exp(2) + Math.exp(1));
  assert.ok(Math.abs(c.logprob - (2 - z)) < 1e-12);
  assert.deepEqual(
    c.top.map((a) => a.token),
    [2, 3],
  );
});

void test("greedy ties go to the lower token id, whatever the order of the read-out", () => {
  for (const tokens of [
    [5, 3, 9],
    [9, 3, 5],
    [3, 9, 5],
  ]) {
    const c = new MixSampler({ temperature: 0 }).choose({ tokens, scores: Float64Array.from([1, 1, 1]) }, 3);
    assert.equal(c.token, 3, `read-out order ${tokens.join(",")}`);
    assert.deepEqual(
      c.top.map((a) => a.token),
      [3, 5, 9],
    );
  }
});

void test("a single model's scores are reported as its own log-probabilities, not renormalised over the read-out", () => {
  // Top 2 of 4 tokens: p = 0.4, 0.3 (and 0.2, 0.1 unread).
  const dist = distFromLogprobs([0.4, 0.3, 0.2, 0.1].map(Math.log), 2);
  const single = new MixSampler({ temperature: 0 }).choose(singleModelStrategy("m", { logprobs: true }).pick(dist), 1);
  assert.equal(single.token, 0);
  assert.ok(Math.abs(single.logprob - Math.log(0.4)) < 1e-12, `${single.logprob}`);
  // Deferral, like a mix, describes what it sampled from: the two candidates renormalised.
  const deferred = new MixSampler({ temperature: 0 }).choose(ownScores(dist), 1);
  assert.ok(Math.abs(deferred.logprob - Math.log(0.4 / 0.7)) < 1e-12, `${deferred.logprob}`);
});

void test("seeded sampling repeats, follows the softmax at T=1, and never picks an excluded token", () => {
  const draw = (seed: number, n: number) => {
    const s = new MixSampler({ temperature: 1, seed });
    return Array.from({ length: n }, () => s.choose(mixed).token);
  };
  assert.deepEqual(draw(42, 50), draw(42, 50));
  assert.notDeepEqual(draw(42, 50), draw(43, 50));
  const n = 20000;
  const counts = new Map<number, number>();
  for (const t of draw(7, n)) counts.set(t, (counts.get(t) ?? 0) + 1);
  assert.equal(counts.get(10), undefined);
  for (const [t, p] of [
    [7, 0.5],
    [8, 0.3],
    [9, 0.2],
  ] as const)
    assert.ok(Math.abs((counts.get(t) ?? 0) / n - p) < 0.02, `token ${t}`);
});

void test("temperature sharpens and top-p cuts the tail", () => {
  const hot = new MixSampler({ temperature: 0.25, seed: 1 });
  const cold = Array.from({ length: 2000 }, () => hot.choose(mixed).token).filter((t) => t === 7).length / 2000;
  // p ∝ p^(1/T): 0.5^4 / (0.5^4 + 0.3^4 + 0.2^4) ≈ 0.87
  assert.ok(Math.abs(cold - 0.5 ** 4 / (0.5 ** 4 + 0.3 ** 4 + 0.2 ** 4)) < 0.03, String(cold));
  const nucleus = new MixSampler({ temperature: 1, topP: 0.75, seed: 3 });
  const seen = new Set(Array.from({ length: 500 }, () => nucleus.choose(mixed).token));
  assert.deepEqual([...seen].sort(), [7, 8]);
});

void test("a seed draws the same tokens whatever order the candidates are listed in", () => {
  // Scores with a tie (tokens 4 and 9), so an order-dependent tie-break or pool walk would show.
  const tokens = [4, 9, 2, 7, 5];
  const scores = [0.5, 0.5, 0.1, -0.4, -2];
  const permutations = [
    [0, 1, 2, 3, 4],
    [4, 3, 2, 1, 0],
    [2, 0, 4, 1, 3],
  ];
  for (const topP of [1, 0.8]) {
    const draws = permutations.map((order) => {
      const listed: Mixed = { tokens: order.map((j) => tokens[j]!), scores: Float64Array.from(order.map((j) => scores[j]!)) };
      const s = new MixSampler({ temperature: 1, topP, seed: 11 });
      return Array.from({ length: 300 }, () => s.choose(listed).token);
    });
    assert.ok(new Set(draws[0]).size >= 3, `top_p ${topP}: the draws vary`);
    assert.deepEqual(draws[1], draws[0], `top_p ${topP}: reversed order`);
    assert.deepEqual(draws[2], draws[0], `top_p ${topP}: shuffled order`);
  }
});

void test("bad sampling options are refused", () => {
  assert.throws(() => new MixSampler({ temperature: -1 }), /temperature must be a number from 0 to 100/);
  assert.throws(() => new MixSampler({ topP: 0 }), /top_p must be a number above 0/);
  assert.throws(() => new MixSampler({ seed: 1.5 }), /seed must be an integer/);
});

void test("text assembly holds back a possible stop string and cuts at the stop", () => {
  const pieces = ["foo", "\n", "\n", "bar"];
  const text = new TextAssembler((toks) => toks.map((t) => pieces[t]).join(""), ["\n\n"]);
  assert.deepEqual(text.push(0), { delta: "foo", entries: [], stopped: false });
  assert.deepEqual(text.push(1), { delta: "", entries: [], stopped: false }, "a lone newline could start the stop string");
  assert.deepEqual(text.push(2), { delta: "", entries: [], stopped: true });
  assert.equal(text.fullText, "foo");
  assert.deepEqual(text.finish(), { delta: "", entries: [] });
});

void test("text assembly releases a held tail that never became a stop string, and joins split UTF-8", () => {
  const bytes = [[0x61], [0x0a], [0xc3], [0xa9]];
  const dec = (toks: readonly number[]) => Buffer.from(toks.flatMap((t) => bytes[t]!)).toString("utf8");
  const text = new TextAssembler(dec, ["\n\n"]);
  assert.equal(text.push(0).delta, "a");
  assert.equal(text.push(1).delta, "");
  assert.equal(text.push(2).delta, "", "half of é is held");
  assert.equal(text.push(3).delta, "\né");
  assert.equal(text.fullText, "a\né");
});
