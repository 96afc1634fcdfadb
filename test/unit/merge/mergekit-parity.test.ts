// Where a mergekit plan's numbers come from, checked against mergekit's own code (arcee-ai/mergekit): which gradient
// value each tensor takes, which tensors a filter selects, and the places where Chorus differs on purpose because
// mergekit's result is not defined (division by zero) or throws away a whole task vector.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { methodByName } from "../../../src/sidecar/merge/methods";
import { filterMatches, resolveValue, tensorPosition } from "../../../src/sidecar/merge/params";
import { planFromFlags } from "../../../src/sidecar/merge/plan-from-flags";
import { runMerge } from "../../../src/sidecar/merge/run";
import { assertClose, fineTune, job, randomTensor } from "./helpers";
import { makeModel, readEach, tempDir } from "./models";
import { refBreadcrumbs, refCombine } from "./reference";

/** The gradient value mergekit evaluates at t (mergekit/config.py evaluate_setting: i0 = int(t·(n−1)), then lerp). */
function mergekitGradient(g: number[], t: number): number {
  const scaled = t * (g.length - 1);
  const i0 = Math.floor(scaled);
  const i1 = Math.min(g.length - 1, i0 + 1);
  const frac = scaled - i0;
  return (1 - frac) * g[i0]! + frac * g[i1]!;
}

void test("gradients: layer i of n at t = i/(n−1); embeddings, final norm and output at t = 0 — mergekit's first value", () => {
  // mergekit/plan.py: plan_slice gives layer idx t = idx/(num_layers−1) (t = 1 for a single layer); plan_module
  // plans pre_weights (embed_tokens) and post_weights (model.norm, lm_head) with a ConfigReader made at t = 0.
  const g = [0.1, 0.4, 0.9];
  const at = (name: string, blocks: number) => resolveValue(g, tensorPosition(name, blocks));
  for (let i = 0; i < 5; i++) assert.equal(at(`blk.${i}.attn_q.weight`, 5), mergekitGradient(g, i / 4), `block ${i}`);
  for (const name of ["token_embd.weight", "output_norm.weight", "output.weight"]) assert.equal(at(name, 5), 0.1, name);
  // One block: mergekit's t is 1, the last value.
  assert.equal(at("blk.0.ffn_up.weight", 1), 0.9);
});

void test("filters select what they select in mergekit's Hugging Face names: self_attn and mlp leave the norms alone", () => {
  // mergekit/config.py evaluate_setting: `cond.filter in tensor_name` on names like
  // model.layers.3.self_attn.q_proj.weight; input_layernorm and post_attention_layernorm sit outside self_attn and mlp.
  const selects = (filter: string, name: string, arch = "llama") => filterMatches(filter, tensorPosition(name, 4, arch));
  for (const name of [
    "blk.1.attn_q.weight",
    "blk.1.attn_k.weight",
    "blk.1.attn_v.weight",
    "blk.1.attn_output.weight",
    "blk.1.attn_q.bias",
    "blk.1.attn_q_norm.weight",
  ])
    assert.ok(selects("self_attn", name), `self_attn selects ${name}`);
  for (const name of ["blk.1.attn_norm.weight", "blk.1.ffn_norm.weight", "blk.1.ffn_up.weight", "token_embd.weight"])
    assert.ok(!selects("self_attn", name), `self_attn leaves ${name}`);
  for (const name of ["blk.1.ffn_gate.weight", "blk.1.ffn_up.weight", "blk.1.ffn_down.weight", "blk.1.ffn_gate_inp.weight", "blk.1.ffn_up_exps.weight"])
    assert.ok(selects("mlp", name), `mlp selects ${name}`);
  assert.ok(!selects("mlp", "blk.1.ffn_norm.weight"), "mlp leaves ffn_norm (post_attention_layernorm)");
  // "layernorm" is the per-block norms; the final norm is model.norm and Qwen3's q/k norms are self_attn.q_norm.
  assert.ok(selects("layernorm", "blk.2.attn_norm.weight") && selects("layernorm", "blk.2.ffn_norm.weight"));
  assert.ok(!selects("layernorm", "output_norm.weight") && !selects("layernorm", "blk.2.attn_q_norm.weight"));
  assert.ok(selects("embed_tokens", "token_embd.weight") && selects("lm_head", "output.weight") && selects("model.norm", "output_norm.weight"));
  assert.ok(selects("layers.2.", "blk.2.ffn_down.weight") && !selects("layers.2.", "blk.3.ffn_down.weight"));
  // Gemma 2/3 (llama.cpp gguf-py tensor_mapping.py): ffn_norm is pre_feedforward_layernorm, post_attention_norm is
  // post_attention_layernorm.
  assert.ok(selects("post_attention_layernorm", "blk.0.post_attention_norm.weight", "gemma3"));
  assert.ok(!selects("post_attention_layernorm", "blk.0.ffn_norm.weight", "gemma3") && selects("pre_feedforward_layernorm", "blk.0.ffn_norm.weight", "gemma3"));
  // "*" is mergekit's wildcard; a GGUF-style filter that is no part of a Hugging Face name matches GGUF names.
  assert.ok(selects("*", "blk.0.attn_norm.weight"));
  assert.ok(selects("attn_q", "blk.0.attn_q.weight") && !selects("attn_q", "blk.0.attn_k.weight"));
});

void test("a per-model filter list gives self_attn its value and the norms the default, as in mergekit", () => {
  const base = randomTensor(64, 1);
  const a = fineTune(base, 2);
  const weight = [{ filter: "self_attn", value: 0.25 }, { value: 1 }];
  const ta = methodByName("task_arithmetic")!;
  const d = Array.from(a, (v, i) => v - base[i]!);
  const merged = (name: string) => ta.merge(job({ name, models: [a], base, perModel: [{ weight }] }));
  assertClose(merged("blk.1.attn_k.weight"), refCombine(base, [d], [0.25], { signVote: false, normalize: false }));
  assertClose(merged("blk.1.attn_norm.weight"), a, 1e-6, "attn_norm takes the default weight 1");
});

void test("on purpose unlike mergekit: Breadcrumbs with fewer than one outlier to drop keeps the band instead of nothing", () => {
  // mergekit/sparsify.py magnitude_outliers keeps indices[n_bot:-n_top]; with n_top = int(gamma·n) = 0 that slice
  // is empty, so the whole task vector is dropped. Chorus keeps the top `density` of it.
  const base = randomTensor(40, 5);
  const a = fineTune(base, 6);
  const d = Array.from(a, (v, i) => v - base[i]!);
  const out = methodByName("breadcrumbs")!.merge(job({ models: [a], base, global: { density: 0.5, gamma: 0.01 } }));
  assertClose(out, refCombine(base, [refBreadcrumbs(d, 0.5, 0.01)], [1], { signVote: false, normalize: false }));
  assert.ok(
    Array.from(out).some((v, i) => v !== base[i]),
    "the task vector is not dropped",
  );
});

void test("on purpose unlike mergekit: model_stock keeps the base where mergekit divides by zero (opposite task vectors)", () => {
  // mergekit model_stock.py: t = N·cosθ / (1 + (N−1)·cosθ); two models with δ and −δ give cosθ = −1 and 0 in the
  // denominator.
  const base = randomTensor(32, 7);
  const delta = randomTensor(32, 8, 0.1);
  const plus = base.map((v, i) => v + delta[i]!);
  const minus = base.map((v, i) => v - delta[i]!);
  const out = methodByName("model_stock")!.merge(job({ models: [plus, minus], base }));
  assert.ok(Array.from(out).every(Number.isFinite));
  assertClose(out, base, 1e-6);
});

void test("on purpose unlike mergekit: TIES with density·n < 1 keeps none of the task vector (the base), whole or in row chunks", async () => {
  // mergekit/sparsify.py magnitude: k = int(density·numel); `assert k > 0, "not gonna zero out the whole tensor
  // buddy"` stops the merge. Chorus writes the base's values for such a tensor.
  const tmp = tempDir();
  after(tmp.cleanup);
  const at = (name: string) => path.join(tmp.dir, name);
  const base = await makeModel(at("base.gguf"), { seed: 1 });
  const a = await makeModel(at("a.gguf"), { seed: 2, baseSeed: 1 });
  const plan = planFromFlags({ method: "ties", base, models: [a], density: [1e-5], dtype: "f32" });
  const whole = await runMerge({ plan, out: at("whole.gguf") });
  const chunked = await runMerge({ plan, out: at("chunked.gguf"), chunkValues: 200 });
  assert.deepEqual(readFileSync(chunked.path), readFileSync(whole.path));
  const [merged, original] = await readEach([whole.path, base]);
  for (const [name, values] of original) assert.deepEqual(merged.get(name), values, name);
});
