// Strategy math against the formulas written out here independently over full probability tables.
import assert from "node:assert/strict";
import { test } from "node:test";
import { distFromLogprobs, logprobOf } from "../../../src/sidecar/mixing/distribution";
import { contextContrastiveMix } from "../../../src/sidecar/mixing/strategies/context-contrastive";
import { contrastiveMix } from "../../../src/sidecar/mixing/strategies/contrastive";
import { ownScores, shouldDefer } from "../../../src/sidecar/mixing/strategies/deferral";
import { dexpertsMix } from "../../../src/sidecar/mixing/strategies/dexperts";
import { productMix } from "../../../src/sidecar/mixing/strategies/product";
import { proxyTuningMix } from "../../../src/sidecar/mixing/strategies/proxy-tuning";
import type { Mixed } from "../../../src/sidecar/mixing/strategies/types";

/** A random distribution over V tokens as log-probabilities (seeded, peaky so that α-masks matter). */
function randomLogprobs(v: number, seed: number): number[] {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const logits = Array.from({ length: v }, () => 9 * rnd() ** 4);
  const max = Math.max(...logits);
  const lse = max + Math.log(logits.reduce((a, z) => a + Math.exp(z - max), 0));
  return logits.map((z) => z - lse);
}

/** Normalised mixed distribution as token → probability. */
function normalise(m: Mixed): Map<number, number> {
  const max = Math.max(...m.scores);
  const total = m.scores.reduce((a, s) => a + Math.exp(s - max), 0);
  return new Map(m.tokens.map((t, j) => [t, Math.exp(m.scores[j]! - max) / total]));
}

function referenceNormalise(scores: (number | null)[]): Map<number, number> {
  const finite = scores.filter((s): s is number => s !== null);
  const max = Math.max(...finite);
  const total = finite.reduce((a, s) => a + Math.exp(s - max), 0);
  const out = new Map<number, number>();
  scores.forEach((s, t) => s !== null && out.set(t, Math.exp(s - max) / total));
  return out;
}

function assertSameDistribution(got: Map<number, number>, want: Map<number, number>): void {
  assert.equal(got.size, want.size, "candidate set size");
  for (const [t, p] of want) {
    const q = got.get(t);
    assert.ok(q !== undefined, `token ${t} missing from the mix`);
    assert.ok(Math.abs(q - p) < 1e-9, `token ${t}: ${q} vs ${p}`);
  }
}

const V = 50;
const a = randomLogprobs(V, 1);
const b = randomLogprobs(V, 2);
const c = randomLogprobs(V, 3);

void test("logprobOf is exact on read-out entries and an upper bound outside a top-K read-out", () => {
  const d = distFromLogprobs(a, 5);
  assert.equal(d.complete, false);
  const order = a.map((_, i) => i).sort((x, y) => a[y]! - a[x]!);
  for (const t of order.slice(0, 5)) assert.ok(Math.abs(logprobOf(d, t) - a[t]!) < 1e-12);
  for (const t of order.slice(5)) assert.ok(logprobOf(d, t) >= a[t]! - 1e-12);
  const full = distFromLogprobs(a);
  assert.equal(full.complete, true);
  for (let t = 0; t < V; t++) assert.ok(Math.abs(logprobOf(full, t) - a[t]!) < 1e-12);
});

void test("contrastive decoding: plausible set p_e ≥ α·max p_e and (1+β)·log p_e − β·log p_a", () => {
  for (const [alpha, beta] of [
    [0.1, 0.5],
    [0.3, 1],
    [0.01, 2],
  ] as const) {
    const got = contrastiveMix(distFromLogprobs(a), distFromLogprobs(b), alpha, beta);
    const maxP = Math.max(...a.map(Math.exp));
    const want = a.map((lp, t) => (Math.exp(lp) >= alpha * maxP ? (1 + beta) * lp - beta * b[t]! : null));
    assertSameDistribution(normalise(got), referenceNormalise(want));
    assert.ok(got.tokens.length < V, "the plausibility mask removed some tokens");
  }
});

void test("DExperts: log p_base + α(log p_exp − log p_anti)", () => {
  const got = dexpertsMix(distFromLogprobs(a), distFromLogprobs(b), distFromLogprobs(c), 2);
  assertSameDistribution(normalise(got), referenceNormalise(a.map((lp, t) => lp + 2 * (b[t]! - c[t]!))));
});

void test("proxy-tuning: log p_large + (log p_tuned − log p_untuned)", () => {
  const got = proxyTuningMix(distFromLogprobs(a), distFromLogprobs(b), distFromLogprobs(c), 1);
  assertSameDistribution(normalise(got), referenceNormalise(a.map((lp, t) => lp + b[t]! - c[t]!)));
});

void test("weighted product of experts: Σ wᵢ log pᵢ renormalised", () => {
  const got = productMix([distFromLogprobs(a), distFromLogprobs(b), distFromLogprobs(c)], [0.5, 1.5, 1]);
  assertSameDistribution(normalise(got), referenceNormalise(a.map((lp, t) => 0.5 * lp + 1.5 * b[t]! + c[t]!)));
});

void test("context-contrastive: (1+β)·log p(·|ctx,x) − β·log p(·|x)", () => {
  const got = contextContrastiveMix(distFromLogprobs(a), distFromLogprobs(b), 0.7);
  assertSameDistribution(normalise(got), referenceNormalise(a.map((lp, t) => 1.7 * lp - 0.7 * b[t]!)));
});

void test("deferral: defers exactly when the small model's max probability is below τ", () => {
  const d = distFromLogprobs(a);
  const maxP = Math.max(...a.map(Math.exp));
  assert.equal(shouldDefer(d, maxP + 1e-6), true);
  assert.equal(shouldDefer(d, maxP - 1e-6), false);
  assertSameDistribution(normalise(ownScores(d)), referenceNormalise(a));
});

void test("top-K read-outs keep the greedy choice of a full read-out when the models broadly agree", () => {
  for (let seed = 10; seed < 40; seed++) {
    const x = randomLogprobs(400, seed);
    const noise = randomLogprobs(400, seed + 1000);
    // A second model of the same language: the first one's log-probs plus a bounded disagreement.
    const y = x.map((lp, t) => lp + (0.5 * (noise[t]! - Math.min(...noise))) / 9);
    const argmax = (m: Mixed) => m.tokens[m.scores.indexOf(Math.max(...m.scores))];
    const full = productMix([distFromLogprobs(x), distFromLogprobs(y)], [1, 1]);
    const topK = productMix([distFromLogprobs(x, 40), distFromLogprobs(y, 40)], [1, 1]);
    assert.equal(argmax(topK), argmax(full), `seed ${seed}`);
  }
});

void test("contrastive decoding over more ids than the mixing scratch first holds (1024) matches the formula on its first mix", () => {
  // The scratch grows midway through stamping the candidates; it once forgot the stamps made before it grew, so a
  // first contrastive mix over a real vocabulary (Qwen2.5-Coder's 151,936 ids) gave every candidate −∞.
  const big = 3000;
  const x = randomLogprobs(big, 7);
  const y = randomLogprobs(big, 8);
  const got = contrastiveMix(distFromLogprobs(x), distFromLogprobs(y), 0.1, 0.5);
  const maxP = Math.max(...x.map(Math.exp));
  assertSameDistribution(normalise(got), referenceNormalise(x.map((lp, t) => (Math.exp(lp) >= 0.1 * maxP ? 1.5 * lp - 0.5 * y[t]! : null))));
});
