// Every merge method against an independent reference computation on small random tensors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { METHOD_NAMES, methodByName } from "../../../src/sidecar/merge/methods";
import type { ParamMap } from "../../../src/sidecar/merge/params";
import { tensorRng } from "../../../src/sidecar/merge/rng";
import { assertClose, fineTune, job, randomTensor } from "./helpers";
import { refBreadcrumbs, refCombine, refDare, refDella, refLinear, refModelStock, refSlerp, refTopK } from "./reference";

const N = 96;
const base = randomTensor(N, 1);
const a = fineTune(base, 2);
const b = fineTune(base, 3);
const c = fineTune(base, 4);
const delta = (m: Float32Array) => Array.from(m, (v, i) => v - base[i]!);
const method = (name: string) => {
  const m = methodByName(name);
  if (!m) throw new Error(`no method ${name}`);
  return m;
};

void test("a model merged with itself is unchanged, by every method", () => {
  for (const name of METHOD_NAMES) {
    const m = method(name);
    const models = Array.from({ length: Math.max(m.minModels, 1) }, () => base.slice());
    const params: ParamMap = m.parameters.includes("density") ? { density: 0.5 } : name === "slerp" ? { t: 0.4 } : {};
    const out = m.merge(job({ models, base: m.base === "required" ? base : undefined, global: params }));
    assertClose(out, base, 1e-6, name);
  }
});

void test("linear is the weighted average, normalized by default", () => {
  const w = [0.3, 0.5, 1.2];
  const out = method("linear").merge(job({ models: [a, b, c], perModel: w.map((weight) => ({ weight })) }));
  assertClose(out, refLinear([a, b, c], w));
  const raw = method("linear").merge(job({ models: [a, b], perModel: [{ weight: 0.3 }, { weight: 0.5 }], global: { normalize: false } }));
  assertClose(raw, refLinear([a, b], [0.3, 0.5], false));
});

void test("task_arithmetic is base + λ·Σ wᵢδᵢ", () => {
  const out = method("task_arithmetic").merge(job({ models: [a, b], base, perModel: [{ weight: 0.7 }, { weight: -0.2 }], global: { lambda: 1.5 } }));
  assertClose(out, refCombine(base, [delta(a), delta(b)], [0.7, -0.2], { signVote: false, normalize: false, lambda: 1.5 }));
});

void test("ties trims to the top density, votes on signs and divides by the weights that agree", () => {
  const w = [1, 0.5, 0.8];
  const out = method("ties").merge(job({ models: [a, b, c], base, perModel: w.map((weight) => ({ weight })), global: { density: 0.3 } }));
  const deltas = [a, b, c].map((m) => refTopK(delta(m), 0.3));
  assertClose(out, refCombine(base, deltas, w, { signVote: true, normalize: true }));
  // Per-model density: model 0 keeps half, model 1 a fifth.
  const mixed = method("ties").merge(job({ models: [a, b], base, perModel: [{ density: 0.5 }, { density: 0.2 }] }));
  assertClose(mixed, refCombine(base, [refTopK(delta(a), 0.5), refTopK(delta(b), 0.2)], [1, 1], { signVote: true, normalize: true }));
});

void test("dare_ties and dare_linear drop entries with the seeded stream and keep the L1 norm", () => {
  for (const [name, signVote] of [
    ["dare_ties", true],
    ["dare_linear", false],
  ] as const) {
    const out = method(name).merge(job({ models: [a, b], base, global: { density: 0.4 }, perModel: [{ weight: 0.6 }, { weight: 0.9 }], seed: 7 }));
    const deltas = [a, b].map((m, i) => refDare(delta(m), 0.4, tensorRng(7, "blk.0.attn_q.weight", i)));
    assertClose(out, refCombine(base, deltas, [0.6, 0.9], { signVote, normalize: false }), 1e-5, name);
  }
  // Another seed gives another mask: the randomness is real, and the seed controls it.
  const s1 = method("dare_linear").merge(job({ models: [a], base, global: { density: 0.4 }, seed: 1 }));
  const s2 = method("dare_linear").merge(job({ models: [a], base, global: { density: 0.4 }, seed: 2 }));
  const s1again = method("dare_linear").merge(job({ models: [a], base, global: { density: 0.4 }, seed: 1 }));
  assert.notDeepEqual(Array.from(s1), Array.from(s2));
  assert.deepEqual(Array.from(s1), Array.from(s1again));
});

void test("breadcrumbs drops the outliers and the smallest entries; breadcrumbs_ties adds the vote", () => {
  for (const [name, signVote] of [
    ["breadcrumbs", false],
    ["breadcrumbs_ties", true],
  ] as const) {
    const out = method(name).merge(job({ models: [a, b], base, global: { density: 0.5, gamma: 0.1 } }));
    const deltas = [a, b].map((m) => refBreadcrumbs(delta(m), 0.5, 0.1));
    assertClose(out, refCombine(base, deltas, [1, 1], { signVote, normalize: false }), 1e-5, name);
  }
});

void test("della ramps keep probability with magnitude rank within each row, then rescales by one L1 factor per tensor (mergekit)", () => {
  for (const [name, signVote, normalize] of [
    ["della", true, true],
    ["della_linear", false, false],
  ] as const) {
    const out = method(name).merge(job({ models: [a, b], base, rowLength: 24, global: { density: 0.5, epsilon: 0.2 }, seed: 3 }));
    const deltas = [a, b].map((m, i) => refDella(delta(m), 24, 0.5, 0.2, tensorRng(3, "blk.0.attn_q.weight", i)));
    assertClose(out, refCombine(base, deltas, [1, 1], { signVote, normalize }), 1e-5, name);
  }
  // mergekit (sparsify.py della_magprune → rescaled_masked_tensor) multiplies every kept entry by the same
  // ‖δ‖₁/‖kept‖₁; dividing each by its own keep probability (the DELLA paper's reading) gives other numbers.
  const one = method("della_linear").merge(job({ models: [a], base, rowLength: 24, global: { density: 0.5, epsilon: 0.2 }, seed: 3 }));
  const kept = refDella(delta(a), 24, 0.5, 0.2, tensorRng(3, "blk.0.attn_q.weight", 0), false);
  const ratios = Array.from(one, (v, j) => (kept[j] === 0 ? undefined : (v - base[j]!) / kept[j]!)).filter((r) => r !== undefined);
  assert.ok(ratios.length > 10);
  for (const r of ratios) assert.ok(Math.abs(r - ratios[0]!) < 1e-3, `kept entries scaled by ${r} and ${ratios[0]}: not one factor`);
  const l1 = (x: ArrayLike<number>) => Array.from(x).reduce((s, v) => s + Math.abs(v), 0);
  assert.ok(Math.abs(ratios[0]! - l1(delta(a)) / l1(kept)) < 1e-3);
  // rescale: false keeps the entries as they are.
  const raw = method("della_linear").merge(job({ models: [a], base, rowLength: 24, global: { density: 0.5, epsilon: 0.2, rescale: false }, seed: 3 }));
  assertClose(
    raw,
    Array.from(base, (v, j) => v + kept[j]!),
  );
  assert.throws(() => method("della").merge(job({ models: [a], base, global: { density: 0.1, epsilon: 0.15 } })), /epsilon < density/);
});

void test("slerp follows the great circle, with per-layer t from a gradient", () => {
  for (const t of [0, 0.25, 0.5, 1]) assertClose(method("slerp").merge(job({ models: [a], base, global: { t } })), refSlerp(t, base, a), 1e-5, `t=${t}`);
  // Orthogonal unit vectors: halfway is (e0 + e1)/√2, not the linear (e0 + e1)/2.
  const e0 = new Float32Array([1, 0]);
  const e1 = new Float32Array([0, 1]);
  assertClose(method("slerp").merge(job({ models: [e1], base: e0, global: { t: 0.5 } })), [Math.SQRT1_2, Math.SQRT1_2]);
  // A gradient [0, 1] over 5 blocks puts block 2 at t = 0.5 and block 4 at t = 1.
  const mid = method("slerp").merge(job({ name: "blk.2.ffn_up.weight", models: [a], base, global: { t: [0, 1] }, blocks: 5 }));
  assertClose(mid, refSlerp(0.5, base, a));
  const last = method("slerp").merge(job({ name: "blk.4.ffn_up.weight", models: [a], base, global: { t: [0, 1] }, blocks: 5 }));
  assertClose(last, a);
});

void test("model_stock moves the average towards the base by the agreement of the task vectors", () => {
  assertClose(method("model_stock").merge(job({ models: [a, b, c], base })), refModelStock(base, [a, b, c]));
});

void test("per-tensor-pattern overrides pick the first matching filter, with HF names aliased to GGUF names", () => {
  const weight = [{ filter: "self_attn", value: 0.25 }, { value: 1 }];
  const attn = method("task_arithmetic").merge(job({ name: "blk.1.attn_k.weight", models: [a], base, perModel: [{ weight }] }));
  assertClose(attn, refCombine(base, [delta(a)], [0.25], { signVote: false, normalize: false }));
  const ffn = method("task_arithmetic").merge(job({ name: "blk.1.ffn_down.weight", models: [a], base, perModel: [{ weight }] }));
  assertClose(ffn, a);
});
