// The merge driver end to end on generated GGUF files: formulas hold on the written file, quantized inputs work,
// mismatches and unsafe outputs are refused, and a cancelled merge leaves nothing behind.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { dequantize, quantize } from "../../../src/sidecar/gguf/codecs/index";
import { getString, meta } from "../../../src/sidecar/gguf/metadata";
import { GgufReader } from "../../../src/sidecar/gguf/reader";
import { GgmlType } from "../../../src/sidecar/gguf/types";
import { METHOD_NAMES, methodByName } from "../../../src/sidecar/merge/methods";
import { TensorParams, tensorPosition, type ParamMap } from "../../../src/sidecar/merge/params";
import { planFromFlags } from "../../../src/sidecar/merge/plan-from-flags";
import { tensorRng } from "../../../src/sidecar/merge/rng";
import { encodeF16 } from "../../../src/sidecar/merge/f16-encode";
import { runMerge } from "../../../src/sidecar/merge/run";
import { assertClose } from "./helpers";
import { makeModel, readAllTensors, SHAPE, tempDir } from "./models";
import { writeGguf } from "../../../src/sidecar/gguf/writer";
import { mulberry32 } from "../../../src/sidecar/random";
import { llamaMetadata, llamaTensors } from "../../../src/sidecar/testmodels/llama-arch";
import { byteTokenizerMetadata, byteVocab } from "../../../src/sidecar/testmodels/byte-vocab";

const tmp = tempDir();
after(tmp.cleanup);
const at = (name: string) => path.join(tmp.dir, name);

const ready = (async () => ({
  base: await makeModel(at("base.gguf"), { seed: 1 }),
  a: await makeModel(at("a.gguf"), { seed: 2, baseSeed: 1 }),
  b: await makeModel(at("b.gguf"), { seed: 3, baseSeed: 1 }),
  c: await makeModel(at("c.gguf"), { seed: 4, baseSeed: 1 }),
  baseQ8: await makeModel(at("base-q8.gguf"), { seed: 1, type: GgmlType.Q8_0 }),
  aQ8: await makeModel(at("a-q8.gguf"), { seed: 2, baseSeed: 1, type: GgmlType.Q8_0 }),
  bQ8: await makeModel(at("b-q8.gguf"), { seed: 3, baseSeed: 1, type: GgmlType.Q8_0 }),
  cQ8: await makeModel(at("c-q8.gguf"), { seed: 4, baseSeed: 1, type: GgmlType.Q8_0 }),
}))();

void test("a model merged with itself is unchanged (linear and ties)", async () => {
  const m = await ready;
  const out = await runMerge({ plan: planFromFlags({ method: "linear", models: [m.a, m.a], dtype: "f32" }), out: at("self-linear.gguf") });
  // A copy under another name: listing the base itself among the models would make it the base only.
  copyFileSync(m.a, at("a-copy.gguf"));
  const ties = await runMerge({
    plan: planFromFlags({ method: "ties", base: m.a, models: [at("a-copy.gguf"), at("a-copy.gguf")], density: [0.5], dtype: "f32" }),
    out: at("self-ties.gguf"),
  });
  const original = await readAllTensors(m.a);
  for (const file of [out.path, ties.path]) {
    const merged = await readAllTensors(file);
    assert.equal(merged.size, original.size);
    for (const [name, values] of original) assert.deepEqual(merged.get(name), values, `${path.basename(file)} ${name}`);
  }
});

void test("linear and task arithmetic of two models equal the formula in the written file", async () => {
  const m = await ready;
  const [base, a, b] = [await readAllTensors(m.base), await readAllTensors(m.a), await readAllTensors(m.b)];
  const lin = await readAllTensors(
    (await runMerge({ plan: planFromFlags({ method: "linear", models: [m.a, m.b], weights: [1, 3], dtype: "f32" }), out: at("lin.gguf") })).path,
  );
  const ta = await readAllTensors(
    (
      await runMerge({
        plan: planFromFlags({ method: "task_arithmetic", base: m.base, models: [m.a, m.b], weights: [0.5, 1], lambda: 2, dtype: "f32" }),
        out: at("ta.gguf"),
      })
    ).path,
  );
  for (const [name, av] of a) {
    const bv = b.get(name)!;
    const basev = base.get(name)!;
    assertClose(
      lin.get(name)!,
      av.map((x, i) => 0.25 * x + 0.75 * bv[i]!),
      1e-6,
      `linear ${name}`,
    );
    assertClose(
      ta.get(name)!,
      basev.map((x, i) => x + 2 * (0.5 * (av[i]! - x) + (bv[i]! - x))),
      1e-5,
      `task_arithmetic ${name}`,
    );
  }
});

void test("every method runs on Q8_0 inputs and writes what the method computes on the decoded tensors", async () => {
  const m = await ready;
  const [base, a, b, c] = [await readAllTensors(m.baseQ8), await readAllTensors(m.aQ8), await readAllTensors(m.bQ8), await readAllTensors(m.cQ8)];
  for (const method of METHOD_NAMES) {
    const spec = methodByName(method)!;
    const models = method === "slerp" ? [m.aQ8] : [m.aQ8, m.bQ8, m.cQ8];
    const decoded = method === "slerp" ? [a] : [a, b, c];
    const global: ParamMap = method === "slerp" ? { t: [0.2, 0.8] } : spec.parameters.includes("density") ? { density: 0.5 } : {};
    const plan = planFromFlags({ method, base: spec.base === "required" ? m.baseQ8 : undefined, models, dtype: "q8_0", seed: 11 });
    plan.parameters = global;
    const out = await runMerge({ plan, out: at(`all-${method}.gguf`) });
    const r = await GgufReader.open(out.path);
    try {
      assert.equal(getString(r.metadata, "chorus.merge.method"), method);
      for (const t of r.tensors) {
        const expected = spec.merge({
          name: t.name,
          rowLength: t.dims[0]!,
          offset: 0,
          models: decoded.map((d) => d.get(t.name)!),
          base: spec.base === "required" ? base.get(t.name) : undefined,
          params: new TensorParams(global, [], tensorPosition(t.name, 2)),
          rng: (i) => tensorRng(11, t.name, i),
        });
        // The file holds the expected values after one Q8_0 (or F32, for norms) encoding.
        const roundTrip = t.type === GgmlType.Q8_0 ? dequantize(GgmlType.Q8_0, quantize(GgmlType.Q8_0, expected), expected.length) : expected;
        assert.deepEqual(await r.readTensorFloat32(t), roundTrip, `${method} ${t.name}`);
      }
    } finally {
      await r.close();
    }
  }
});

void test("the fused F16 path writes exactly what decode → method → encode would", async () => {
  // dim 128: the token embedding and output tensors (36 864 values) are large enough to be summed on the
  // kernel's worker thread when merged whole; the small chunks are summed on the main thread.
  const shape = { dim: 128 };
  const [b16, a16] = [
    await makeModel(at("base-f16.gguf"), { seed: 1, type: GgmlType.F16, shape }),
    await makeModel(at("a-f16.gguf"), { seed: 2, baseSeed: 1, type: GgmlType.F16, shape }),
  ];
  for (const method of ["linear", "task_arithmetic"] as const) {
    const spec = methodByName(method)!;
    const plan = planFromFlags({
      method,
      base: method === "linear" ? undefined : b16,
      models: method === "linear" ? [b16, a16] : [a16],
      weights: [0.3, 0.9].slice(0, method === "linear" ? 2 : 1),
      lambda: method === "linear" ? undefined : 1.3,
      dtype: "f16",
    });
    const out = await runMerge({ plan, out: at(`fused-${method}.gguf`), chunkValues: 1000 });
    // Small chunks (many kernel calls with tails) and whole tensors write the same file.
    const whole = await runMerge({ plan, out: at(`fused-whole-${method}.gguf`) });
    assert.deepEqual(readFileSync(whole.path), readFileSync(out.path));
    const [base, a, merged] = [await readAllTensors(b16), await readAllTensors(a16), await GgufReader.open(out.path)];
    try {
      for (const t of merged.tensors) {
        if (t.type !== GgmlType.F16) continue;
        const expected = spec.merge({
          name: t.name,
          rowLength: t.dims[0]!,
          offset: 0,
          models: method === "linear" ? [base.get(t.name)!, a.get(t.name)!] : [a.get(t.name)!],
          base: method === "linear" ? undefined : base.get(t.name),
          params: new TensorParams(
            plan.parameters,
            plan.models.map((x) => x.parameters),
            tensorPosition(t.name, 2),
          ),
          rng: () => () => 0,
        });
        assert.deepEqual(new Uint8Array(await merged.readTensorBytes(t)), encodeF16(expected), `${method} ${t.name}`);
      }
    } finally {
      await merged.close();
    }
  }
});

void test("row chunks give the same file as whole tensors (element-wise, statistics-first, random-drop and rank-band methods)", async () => {
  const m = await ready;
  const plans = [
    planFromFlags({ method: "task_arithmetic", base: m.base, models: [m.a, m.b], dtype: "f16" }),
    planFromFlags({ method: "slerp", base: m.base, models: [m.a], t: [0.2, 0.9], dtype: "f32" }),
    planFromFlags({ method: "model_stock", base: m.base, models: [m.a, m.b, m.c], dtype: "f32" }),
    // DARE and DELLA add up whole-tensor L1 sums first (DELLA ranks within rows). Both draw per value, from the
    // chunk's place in the tensor.
    planFromFlags({ method: "dare_ties", base: m.base, models: [m.a, m.b], density: [0.4], seed: 3, dtype: "f32" }),
    planFromFlags({ method: "dare_linear", base: m.base, models: [m.a, m.b], density: [0.6, 0.3], seed: 4, dtype: "f16" }),
    planFromFlags({ method: "della", base: m.base, models: [m.a, m.b], density: [0.5], seed: 5, dtype: "f32" }),
    planFromFlags({ method: "della_linear", base: m.base, models: [m.a], density: [0.5], seed: 6, dtype: "f32" }),
    // TIES and Breadcrumbs select magnitude ranks over the whole tensor in three passes; Q8_0 inputs give many
    // equal magnitudes, so the rank boundaries fall inside runs of ties.
    planFromFlags({ method: "ties", base: m.base, models: [m.a, m.b], density: [0.3], dtype: "f32" }),
    planFromFlags({ method: "ties", base: m.baseQ8, models: [m.aQ8, m.bQ8], density: [0.5, 0.2], dtype: "f32" }),
    planFromFlags({ method: "breadcrumbs", base: m.base, models: [m.a, m.b], density: [0.6], dtype: "f32" }),
    planFromFlags({ method: "breadcrumbs_ties", base: m.baseQ8, models: [m.aQ8, m.bQ8, m.cQ8], density: [0.5], dtype: "f32" }),
  ];
  for (const plan of plans) {
    const label = `${plan.method}-${plans.indexOf(plan)}`;
    const whole = await runMerge({ plan, out: at(`whole-${label}.gguf`) });
    const chunked = await runMerge({ plan, out: at(`chunked-${label}.gguf`), chunkValues: 200 });
    assert.deepEqual(readFileSync(chunked.path), readFileSync(whole.path), label);
  }
});

void test("the result keeps the architecture and tokenizer and records the merge's provenance", async () => {
  const m = await ready;
  const out = await runMerge({
    plan: planFromFlags({ method: "dare_ties", base: m.base, models: [m.a, m.b], density: [0.3], seed: 5, name: "my-merge" }),
    out: at("prov.gguf"),
  });
  const r = await GgufReader.open(out.path);
  try {
    assert.equal(getString(r.metadata, "general.name"), "my-merge");
    assert.equal(getString(r.metadata, "general.architecture"), "llama");
    assert.deepEqual(r.metadata.get("chorus.merge.inputs")?.value, ["base.gguf", "a.gguf", "b.gguf"]);
    assert.match(getString(r.metadata, "chorus.merge.parameters")!, /"density":0.3/);
    assert.equal(r.metadata.get("chorus.merge.seed")?.value, 5);
    assert.equal(r.tensor("blk.0.attn_q.weight")?.type, GgmlType.F16);
    assert.equal(r.tensor("blk.0.attn_norm.weight")?.type, GgmlType.F32);
  } finally {
    await r.close();
  }
});

void test("mismatched models are refused, naming the first mismatch", async () => {
  const m = await ready;
  const wide = await makeModel(at("wide.gguf"), { seed: 9, shape: { dim: 96, heads: 4, kvHeads: 4 } });
  await assert.rejects(
    runMerge({ plan: planFromFlags({ method: "linear", models: [m.a, wide] }), out: at("x1.gguf") }),
    /llama\.embedding_length \(64 vs 96\)/,
  );
  const tokens = byteVocab(288).tokens;
  [tokens[65], tokens[66]] = [tokens[66]!, tokens[65]!];
  const otherTok = await makeModel(at("tok.gguf"), { seed: 9, extraMetadata: new Map([["tokenizer.ggml.tokens", meta.strings(tokens)]]) });
  await assert.rejects(
    runMerge({ plan: planFromFlags({ method: "linear", models: [m.a, otherTok] }), out: at("x2.gguf") }),
    /different tokenizers: token "A" is id 65 in one and 66 in the other/,
  );
  await assert.rejects(
    runMerge({ plan: planFromFlags({ method: "linear", models: [m.a, at("missing.gguf")] }), out: at("x3.gguf") }),
    /missing\.gguf: cannot open/,
  );
  for (const f of ["x1.gguf", "x2.gguf", "x3.gguf"]) assert.ok(!readdirSync(tmp.dir).some((n) => n.startsWith(f)), `${f} was left behind`);
});

void test("an input given as the output is refused and left intact", async () => {
  const m = await ready;
  const before = readFileSync(m.b);
  await assert.rejects(runMerge({ plan: planFromFlags({ method: "linear", models: [m.a, m.b] }), out: m.b }), /refusing to write over the input/);
  assert.deepEqual(readFileSync(m.b), before);
});

void test("a cancelled merge leaves no file behind", async () => {
  const m = await ready;
  const ac = new AbortController();
  const merge = runMerge({
    plan: planFromFlags({ method: "linear", models: [m.a, m.b] }),
    out: at("cancelled.gguf"),
    signal: ac.signal,
    onProgress: (p) => {
      if (p.tensorsDone >= 3) ac.abort();
    },
  });
  await assert.rejects(merge, (e: Error) => e.name === "AbortError");
  assert.deepEqual(
    readdirSync(tmp.dir).filter((n) => n.startsWith("cancelled")),
    [],
  );
});

void test("a merge cancelled while the kernel's worker thread sums leaves no file behind", async () => {
  // dim 128 F16: the first tensors are summed on the worker, so chunks are in flight there when the abort lands.
  const shape = { dim: 128 };
  const inputs = [
    await makeModel(at("cancel-a-f16.gguf"), { seed: 1, type: GgmlType.F16, shape }),
    await makeModel(at("cancel-b-f16.gguf"), { seed: 2, type: GgmlType.F16, shape }),
  ];
  const ac = new AbortController();
  const merge = runMerge({
    plan: planFromFlags({ method: "linear", models: inputs, dtype: "f16" }),
    out: at("cancelled-f16.gguf"),
    signal: ac.signal,
    chunkValues: 40_000,
    onProgress: () => ac.abort(),
  });
  await assert.rejects(merge, (e: Error) => e.name === "AbortError");
  assert.deepEqual(
    readdirSync(tmp.dir).filter((n) => n.startsWith("cancelled-f16")),
    [],
  );
});

/** A random but valid Q4_K tensor: per 144-byte block, finite F16 scales d and dmin, then random scales and quants. */
function randomQ4K(values: number, seed: number): Uint8Array {
  const r = mulberry32(seed);
  const out = new Uint8Array((values / 256) * 144);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(r() * 256);
  for (let b = 0; b < out.length; b += 144) {
    out[b + 1] = 0x20 + Math.floor(r() * 8); // d: a small positive half (exponent 8..9)
    out[b + 3] = 0x1c + Math.floor(r() * 4); // dmin likewise
  }
  return out;
}

void test("Q4_K inputs (the type most Ollama models use) merge to the formula on their decoded values", async () => {
  // A whole llama model (the merge proves its output loadable in llama.cpp), every matrix Q4_K.
  const q4kShape = { ...SHAPE, dim: 256, layers: 1, ffn: 256, vocabSize: 288 };
  const shape = (name: string, seed: number) =>
    writeGguf({
      out: at(name),
      metadata: llamaMetadata(name, q4kShape, byteTokenizerMetadata(288)),
      tensors: llamaTensors(q4kShape, { embedding: GgmlType.Q4_K, matrix: GgmlType.Q4_K, output: GgmlType.Q4_K }),
      data: (t, i) => (t.type === GgmlType.Q4_K ? randomQ4K(t.dims[0]! * t.dims[1]!, seed * 10 + i) : quantize(GgmlType.F32, new Float32Array(256).fill(seed))),
    });
  await shape("q4k-a.gguf", 1);
  await shape("q4k-b.gguf", 2);
  const out = await runMerge({
    plan: planFromFlags({ method: "linear", models: [at("q4k-a.gguf"), at("q4k-b.gguf")], weights: [0.25, 0.75], dtype: "f32" }),
    out: at("q4k-ab.gguf"),
  });
  const [a, b, merged] = [await readAllTensors(at("q4k-a.gguf")), await readAllTensors(at("q4k-b.gguf")), await readAllTensors(out.path)];
  for (const [name, av] of a) {
    const bv = b.get(name)!;
    assert.ok(
      av.some((x, i) => Math.abs(x - bv[i]!) > 1e-3),
      `${name}: the two inputs should differ`,
    );
    assertClose(
      merged.get(name)!,
      av.map((x, i) => 0.25 * x + 0.75 * bv[i]!),
      1e-6,
      name,
    );
  }
});
