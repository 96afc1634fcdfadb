// Model families whose GGUF tensors are not what mergekit merges: Gemma's norms are stored with +1 folded in, and
// mixture-of-experts models keep every expert of a layer in one `_exps` tensor.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { meta } from "../../../src/sidecar/gguf/metadata";
import { GgmlType } from "../../../src/sidecar/gguf/types";
import { writeGguf } from "../../../src/sidecar/gguf/writer";
import { planFromFlags } from "../../../src/sidecar/merge/plan-from-flags";
import { runMerge } from "../../../src/sidecar/merge/run";
import { assertClose, fineTune, randomTensor } from "./helpers";
import { makeModel, readAllTensors, readEach, tempDir } from "./models";
import { refCombine, refSlerp, refTopK } from "./reference";

const tmp = tempDir();
after(tmp.cleanup);
const at = (name: string) => path.join(tmp.dir, name);

const gemma3 = new Map([["general.architecture", meta.str("gemma3")]]);

/**
 * These fixtures hold a family's tensors, not a whole model llama.cpp could load (no gemma3/qwen3moe hyper-parameters,
 * no vocabulary): what is under test is the arithmetic on those tensors. The merge's check that its output loads
 * (verify-output.ts) is tested on whole models in run.test.ts and the fuzz corpus; here it is replaced.
 */
const arithmeticOnly = { verifyOutput: async () => undefined };

void test("Gemma 3: norms are merged as Hugging Face stores them (llama.cpp's converter adds 1), then stored with the 1 again", async () => {
  // llama.cpp convert_hf_to_gguf.py, Gemma3Model.modify_tensors: `norm.weight` + norm_shift (1.0), because
  // Gemma3RMSNorm multiplies by (1 + weight); mergekit merges the Hugging Face weight. slerp and an unnormalized
  // linear merge are not affine-invariant, so merging the stored values would give other numbers.
  const [a, b] = [
    await makeModel(at("gemma-3-a.gguf"), { seed: 1, extraMetadata: gemma3 }),
    await makeModel(at("gemma-3-b.gguf"), { seed: 2, extraMetadata: gemma3 }),
  ];
  const [ta, tb] = [await readAllTensors(a), await readAllTensors(b)];
  const slerp = await readAllTensors(
    (await runMerge({ plan: planFromFlags({ method: "slerp", models: [a, b], t: [0.3], dtype: "f32" }), out: at("gemma-slerp.gguf"), ...arithmeticOnly })).path,
  );
  const linear = await readAllTensors(
    (
      await runMerge({
        plan: { ...planFromFlags({ method: "linear", models: [a, b], weights: [0.5, 0.3], dtype: "f32" }), parameters: { normalize: false } },
        out: at("gemma-linear.gguf"),
        ...arithmeticOnly,
      })
    ).path,
  );
  const minus1 = (x: Float32Array) => Array.from(x, (v) => v - 1);
  for (const name of ["blk.0.attn_norm.weight", "blk.1.ffn_norm.weight", "output_norm.weight"]) {
    const [x, y] = [ta.get(name)!, tb.get(name)!];
    const hf = refSlerp(0.3, minus1(x), minus1(y)).map((v) => v + 1);
    assertClose(slerp.get(name)!, hf, 1e-5, `slerp ${name}`);
    assert.ok(Math.max(...refSlerp(0.3, x, y).map((v, i) => Math.abs(v - hf[i]!))) > 1e-3, "the offset changes slerp's result");
    assertClose(
      linear.get(name)!,
      Array.from(x, (v, i) => 0.5 * (v - 1) + 0.3 * (y[i]! - 1) + 1),
      1e-5,
      `linear ${name}`,
    );
  }
  // Matrices carry no offset.
  assertClose(slerp.get("blk.0.attn_q.weight")!, refSlerp(0.3, ta.get("blk.0.attn_q.weight")!, tb.get("blk.0.attn_q.weight")!), 1e-5);
});

/** A one-layer mixture-of-experts GGUF like Qwen3-30B-A3B's (qwen3moe): 4 experts of 8×16 in one tensor, a router. */
async function moeModel(file: string, seed: number, baseSeed?: number): Promise<string> {
  const values = (n: number, i: number) =>
    baseSeed === undefined ? randomTensor(n, seed * 100 + i, 0.5) : fineTune(randomTensor(n, baseSeed * 100 + i, 0.5), seed * 31 + i, 0.05);
  const tensors = [
    { name: "blk.0.ffn_gate_inp.weight", type: GgmlType.F32, dims: [16, 4] },
    // Expert 2 barely moves in the fine-tune: per-expert figures differ from whole-tensor ones.
    { name: "blk.0.ffn_up_exps.weight", type: GgmlType.F32, dims: [16, 8, 4] },
  ];
  await writeGguf({
    out: file,
    metadata: new Map([
      ["general.architecture", meta.str("qwen3moe")],
      ["qwen3moe.block_count", meta.u32(1)],
      ["qwen3moe.expert_count", meta.u32(4)],
    ]),
    tensors,
    data: (t, i) => {
      const v = values(
        t.dims.reduce((x, y) => x * y, 1),
        i,
      );
      if (baseSeed !== undefined && i === 1) {
        const base = randomTensor(v.length, baseSeed * 100 + i, 0.5);
        for (let j = 2 * 128; j < 3 * 128; j++) v[j] = base[j]! + (v[j]! - base[j]!) * 0.01;
      }
      return new Uint8Array(v.buffer);
    },
  });
  return file;
}

void test("mixture of experts: each expert of an _exps tensor is merged as a tensor of its own, as mergekit's mlp.experts.N.*", async () => {
  const [base, a, b] = [await moeModel(at("moe-base.gguf"), 1), await moeModel(at("moe-a.gguf"), 2, 1), await moeModel(at("moe-b.gguf"), 3, 1)];
  const [tb, ta, tbb] = await readEach([base, a, b]);
  const name = "blk.0.ffn_up_exps.weight";
  const expert = (t: Float32Array, e: number) => Array.from(t.subarray(e * 128, (e + 1) * 128));
  const ties = (
    await readAllTensors(
      (
        await runMerge({
          plan: planFromFlags({ method: "ties", base, models: [a, b], density: [0.3], dtype: "f32" }),
          out: at("moe-ties.gguf"),
          ...arithmeticOnly,
        })
      ).path,
    )
  ).get(name)!;
  const slerp = (
    await readAllTensors(
      (await runMerge({ plan: planFromFlags({ method: "slerp", base, models: [a], t: [0.5], dtype: "f32" }), out: at("moe-slerp.gguf"), ...arithmeticOnly }))
        .path,
    )
  ).get(name)!;
  for (let e = 0; e < 4; e++) {
    const x0 = expert(tb.get(name)!, e);
    const deltas = [ta, tbb].map((t) =>
      refTopK(
        expert(t.get(name)!, e).map((v, j) => v - x0[j]!),
        0.3,
      ),
    );
    assertClose(expert(ties, e), refCombine(x0, deltas, [1, 1], { signVote: true, normalize: true }), 1e-5, `ties expert ${e}`);
    assertClose(expert(slerp, e), refSlerp(0.5, x0, expert(ta.get(name)!, e)), 1e-5, `slerp expert ${e}`);
  }
  // Whole-tensor top-k would keep almost nothing of expert 2's small task vector; per expert it keeps 30 %.
  const kept2 = expert(ties, 2).filter((v, j) => v !== expert(tb.get(name)!, 2)[j]).length;
  assert.ok(kept2 >= 0.3 * 128, `expert 2 kept ${kept2} of 128`);
});
