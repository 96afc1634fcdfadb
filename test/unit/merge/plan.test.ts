// Merge plans: mergekit-shaped YAML and CLI flags become one validated plan; mistakes are named.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { parsePlanYaml, parseDtype } from "../../../src/sidecar/merge/plan";
import { parseNumberList, planFromFlags } from "../../../src/sidecar/merge/plan-from-flags";

void test("a mergekit TIES plan: models, per-model parameters with filters, base, dtype, relative paths", () => {
  const plan = parsePlanYaml(
    `models:
  - model: base.gguf
  - model: coder.gguf
    parameters:
      density: 0.5
      weight: [{filter: self_attn, value: 0.5}, {value: 1}]
  - model: sub/math.gguf
    parameters: {density: 0.3, weight: 0.4}
merge_method: ties
base_model: base.gguf
parameters:
  normalize: true
  int8_mask: true
dtype: bfloat16
`,
    "/plans",
  );
  assert.equal(plan.method, "ties");
  assert.equal(plan.base, path.resolve("/plans/base.gguf"));
  assert.deepEqual(
    plan.models.map((m) => m.path),
    [path.resolve("/plans/coder.gguf"), path.resolve("/plans/sub/math.gguf")],
  );
  assert.deepEqual(plan.models[0]!.parameters.weight, [
    { filter: "self_attn", value: 0.5 },
    { filter: undefined, value: 1 },
  ]);
  assert.equal(plan.dtype, "bf16");
  assert.equal(plan.parameters.normalize, true);
});

void test("a mergekit slerp plan in the slices shape with t gradients", () => {
  const plan = parsePlanYaml(
    `slices:
  - sources:
      - model: a.gguf
        layer_range: [0, 32]
      - model: b.gguf
        layer_range: [0, 32]
merge_method: slerp
base_model: a.gguf
parameters:
  t:
    - filter: self_attn
      value: [0, 0.5, 0.3, 0.7, 1]
    - value: 0.5
dtype: float16
`,
    "/m",
  );
  assert.equal(plan.base, path.resolve("/m/a.gguf"));
  assert.deepEqual(
    plan.models.map((m) => m.path),
    [path.resolve("/m/b.gguf")],
  );
  assert.equal(plan.dtype, "f16");
});

void test("plans that cannot be honoured are refused with a message saying what to change", () => {
  const bad: [string, RegExp][] = [
    ["merge_method: frankenstein\nmodels: [{model: a.gguf}]", /unknown merge method "frankenstein".*linear/],
    ["merge_method: ties\nmodels: [{model: a.gguf}]", /ties needs a base model/],
    ["merge_method: slerp\nbase_model: a.gguf\nmodels: [{model: b.gguf}, {model: c.gguf}]\nparameters: {t: 0.5}", /slerp needs exactly 1 model/],
    ["merge_method: ties\nbase_model: a.gguf\nmodels: [{model: b.gguf, parameters: {densty: 0.5}}]", /no parameter "densty"/],
    ["merge_method: linear\nmodels: [{model: a.gguf}]\ndtype: q2_k", /unsupported dtype "q2_k"; use one of f32, f16, bf16, q8_0, q4_k_s, q4_k_m/],
    ["merge_method: linear\nmodels: [{model: a.gguf, parameters: {weight: fast}}]", /models\[0\]\.parameters\.weight/],
    ["merge_method: linear\nmodels: [{model: a.gguf}]\ntokenizer_source: union", /tokenizer_source "union"/],
    ["merge_method: [", /not valid YAML/],
    ["merge_method: linear", /lists no models/],
    ["merge_method: model_stock\nbase_model: a.gguf\nmodels: [{model: b.gguf}]", /at least 2 model/],
  ];
  for (const [yaml, message] of bad) assert.throws(() => parsePlanYaml(yaml, "/p"), message, yaml);
});

void test("values that parse but make a useless merge are refused: slerp's t outside [0, 1], linear weights all 0", () => {
  assert.throws(() => planFromFlags({ method: "slerp", models: ["x", "y"], t: [2] }), /slerp's t must be from 0 .* to 1 .*got 2/);
  assert.throws(
    () =>
      parsePlanYaml(
        "merge_method: slerp\nbase_model: a.gguf\nmodels: [{model: b.gguf}]\nparameters: {t: [{filter: attn, value: [0, -0.5]}, {value: 0.5}]}",
        "/p",
      ),
    /got -0.5/,
  );
  assert.throws(() => planFromFlags({ method: "linear", models: ["x", "y"], weights: [0, 0] }), /every model's weight is 0/);
  // One model with weight 0 among others is a choice, as is a gradient that is 0 only at one end.
  assert.doesNotThrow(() => planFromFlags({ method: "linear", models: ["x", "y"], weights: [0, 1] }));
  assert.doesNotThrow(() =>
    parsePlanYaml("merge_method: linear\nmodels: [{model: a.gguf, parameters: {weight: [0, 1]}}, {model: b.gguf, parameters: {weight: 0}}]", "/p"),
  );
  assert.doesNotThrow(() => planFromFlags({ method: "slerp", models: ["x", "y"], t: [0, 0.5, 1] }));
});

void test("CLI flags: per-model lists, one value for all, slerp's first model as base", () => {
  const p = planFromFlags({ method: "dare_ties", models: ["x.gguf", "y.gguf"], base: "b.gguf", weights: [0.3, 0.7], density: [0.5], seed: 9 });
  assert.deepEqual(
    p.models.map((m) => m.parameters),
    [
      { weight: 0.3, density: 0.5 },
      { weight: 0.7, density: 0.5 },
    ],
  );
  assert.equal(p.seed, 9);
  const s = planFromFlags({ method: "slerp", models: ["x.gguf", "y.gguf"], t: [0, 1], dtype: "q8_0" });
  assert.equal(s.base, "x.gguf");
  assert.deepEqual(s.parameters.t, [0, 1]);
  assert.equal(s.dtype, "q8_0");
  assert.throws(() => planFromFlags({ method: "linear", models: ["x", "y", "z"], weights: [1, 2] }), /--weights has 2 values for 3 models/);
  assert.throws(() => parseNumberList("0.5,abc", "--weights"), /--weights: "abc" is not a number/);
});

void test("tokenizer_source: base, a model (the output takes its tokenizer and metadata), never union or a stranger", () => {
  const plan = (source: string) =>
    parsePlanYaml(
      `merge_method: ties\nbase_model: base.gguf\nmodels:\n  - model: instruct.gguf\n    parameters: {density: 0.5}\ntokenizer_source: ${source}\n`,
      "/p",
    );
  assert.equal(plan("base").tokenizerSource, path.resolve("/p/base.gguf"));
  assert.equal(plan("instruct.gguf").tokenizerSource, path.resolve("/p/instruct.gguf"));
  assert.equal(
    parsePlanYaml(`merge_method: ties\nbase_model: base.gguf\nmodels: [{model: instruct.gguf}]\ntokenizer: {source: instruct.gguf}\n`, "/p").tokenizerSource,
    path.resolve("/p/instruct.gguf"),
  );
  assert.throws(() => plan("union"), /"union" is not supported.*use "base" or one of the models/);
  assert.throws(() => plan("other.gguf"), /other\.gguf is not one of the models merged/);
  assert.throws(() => planFromFlags({ method: "linear", models: ["/a.gguf", "/b.gguf"], tokenizerSource: "/c.gguf" }), /not one of the models merged/);
});

void test("k-quant mixes are named as llama-quantize names them, its Q4_K and Q5_K meaning the _M mixes", () => {
  assert.equal(parseDtype("Q4_K_M", "dtype"), "q4_k_m");
  assert.equal(parseDtype("q4_k", "dtype"), "q4_k_m");
  assert.equal(parseDtype("Q5_K", "dtype"), "q5_k_m");
  assert.equal(parseDtype("q6_k", "dtype"), "q6_k");
  assert.throws(() => parseDtype("q3_k_m", "--dtype"), /--dtype: unsupported dtype "q3_k_m"; use one of .*q4_k_m/);
});
