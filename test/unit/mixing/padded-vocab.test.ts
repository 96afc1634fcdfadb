// Mixing models of one family whose vocabularies differ in length, on real llama.cpp. The models imitate
// Qwen2.5-Coder (testmodels/families.ts): "0.5b" and "1.5b" with 151,936 ids and a tied output, "7b" with 152,064
// ids and its own output, converted by Ollama (padding named [PAD0]…, not llama.cpp's [PAD151665]…). Every
// strategy must give, on the 151,665 ids the models share, exactly the closed form computed here from each model's
// own logits (read from llama.cpp independently of the mixer), and never choose a padding id — even though the
// "7b" puts its padding ids first, as a checkpoint whose padding rows were never trained down could.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { LlamaModel, Token } from "node-llama-cpp";
import { createMixer } from "../../../src/sidecar/mixing/mixer";
import type { MixSpec } from "../../../src/sidecar/mixing/spec";
import { makeQwenCoderModel, QWEN_REAL_TOKENS } from "../../../src/sidecar/testmodels/families";

const SHARED = QWEN_REAL_TOKENS; // ids below it are real tokens in every model
const PROMPT = "def add(a, b):\n    return";
const CONTEXT = "# math helpers\n";
let dir: string;
const models: Record<string, LlamaModel> = {};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorus-padded-vocab-"));
  const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const made = [
    await makeQwenCoderModel({ out: join(dir, "q05.gguf"), size: "0.5b", seed: 1, dim: 16 }),
    await makeQwenCoderModel({ out: join(dir, "q15.gguf"), size: "1.5b", seed: 2, dim: 16 }),
    await makeQwenCoderModel({ out: join(dir, "q7.gguf"), size: "7b", converter: "ollama", seed: 3, dim: 32, paddingLogit: 10 }),
  ];
  for (const [name, m] of [
    ["q05", made[0]!],
    ["q15", made[1]!],
    ["q7", made[2]!],
  ] as const)
    models[name] = await llama.loadModel({ modelPath: m.path, gpuLayers: 0 });
});

after(async () => {
  for (const m of Object.values(models)) await m.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function promptTokens(model: LlamaModel, text: string): Token[] {
  const bos = model.tokens.shouldPrependBosToken && model.tokens.bos !== null ? [model.tokens.bos] : [];
  return [...bos, ...model.tokenize(text)];
}

/** The model's own logits (its whole vocabulary) after the prompt and after each of `generated` but the last. */
async function ownLogits(model: LlamaModel, prompt: string, generated: readonly number[]): Promise<Float64Array[]> {
  const context = await model.createContext({ contextSize: 256, sequences: 1, threads: 1 });
  try {
    const tokens = [...promptTokens(model, prompt), ...(generated.slice(0, -1) as Token[])];
    const from = tokens.length - generated.length;
    const items = tokens.map((t, i) => (i >= from ? ([t, { generateNext: { logits: true } }] as const) : t));
    const out = await context.getSequence().controlledEvaluate(items as Parameters<ReturnType<typeof context.getSequence>["controlledEvaluate"]>[0]);
    const rows: Float64Array[] = [];
    for (let i = from; i < tokens.length; i++) {
      const row = new Float64Array(model.fileInfo.metadata.tokenizer.ggml.tokens.length).fill(-Infinity);
      for (const [t, z] of out[i]!.next!.logits!) row[t] = z;
      rows.push(row);
    }
    return rows;
  } finally {
    await context.dispose();
  }
}

function logSumExp(xs: ArrayLike<number>, n = xs.length): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, xs[i]!);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(xs[i]! - max);
  return max + Math.log(s);
}

/** A closed-form step: a score per shared id (−∞ = not a candidate). */
type ClosedForm = (rows: Float64Array[]) => Float64Array;

/** Σ cᵢ · log pᵢ(t) over the shared ids (each model's normaliser is a constant, which renormalising cancels). */
const weighted =
  (coeffs: number[]): ClosedForm =>
  (rows) => {
    const out = new Float64Array(SHARED);
    for (let t = 0; t < SHARED; t++) out[t] = coeffs.reduce((s, c, i) => s + c * rows[i]![t]!, 0);
    return out;
  };

/** Contrastive: the expert's plausible ids (p ≥ α · its best shared id), scored (1+β) log p_e − β log p_a. */
const contrastive =
  (alpha: number, beta: number): ClosedForm =>
  (rows) => {
    const [e, a] = [rows[0]!, rows[1]!];
    let best = -Infinity;
    for (let t = 0; t < SHARED; t++) best = Math.max(best, e[t]!);
    const out = new Float64Array(SHARED);
    for (let t = 0; t < SHARED; t++) out[t] = e[t]! >= best + Math.log(alpha) ? (1 + beta) * e[t]! - beta * a[t]! : -Infinity;
    return out;
  };

interface Case {
  spec: MixSpec;
  /** Each lane's model and whether its prompt has the context, in the strategy's lane order. */
  lanes: { model: string; withContext: boolean }[];
  closedForm: ClosedForm;
}

const CASES: Case[] = [
  {
    spec: { strategy: "contrastive", expert: "q7", amateur: "q05", alpha: 0.1, beta: 0.5 },
    lanes: [
      { model: "q7", withContext: true },
      { model: "q05", withContext: true },
    ],
    closedForm: contrastive(0.1, 0.5),
  },
  {
    spec: {
      strategy: "product",
      models: [
        { model: "q7", weight: 1 },
        { model: "q05", weight: 0.5 },
      ],
    },
    lanes: [
      { model: "q7", withContext: true },
      { model: "q05", withContext: true },
    ],
    closedForm: weighted([1, 0.5]),
  },
  {
    spec: { strategy: "dexperts", base: "q7", expert: "q15", antiExpert: "q05", alpha: 2 },
    lanes: [
      { model: "q7", withContext: true },
      { model: "q15", withContext: true },
      { model: "q05", withContext: true },
    ],
    closedForm: weighted([1, 2, -2]),
  },
  {
    spec: { strategy: "proxy-tuning", large: "q7", tuned: "q15", untuned: "q05", alpha: 1 },
    lanes: [
      { model: "q7", withContext: true },
      { model: "q15", withContext: true },
      { model: "q05", withContext: true },
    ],
    closedForm: weighted([1, 1, -1]),
  },
  {
    spec: { strategy: "context-contrastive", model: "q7", beta: 0.5 },
    lanes: [
      { model: "q7", withContext: true },
      { model: "q7", withContext: false },
    ],
    closedForm: weighted([1.5, -0.5]),
  },
  // τ = 0: the small model always writes; τ = 1: the large one always does. Each writes its own distribution.
  { spec: { strategy: "deferral", small: "q05", large: "q7", tau: 0 }, lanes: [{ model: "q05", withContext: true }], closedForm: weighted([1]) },
  { spec: { strategy: "deferral", small: "q05", large: "q7", tau: 1 }, lanes: [{ model: "q7", withContext: true }], closedForm: weighted([1]) },
];

void test("a Qwen2.5-Coder-shaped 0.5b/1.5b/7b set mixes with every strategy, exactly the closed form on the shared ids", async () => {
  for (const c of CASES) {
    const what = `${c.spec.strategy} ${JSON.stringify(c.spec)}`;
    const mixer = await createMixer({ ...c.spec, topK: "all" }, models, { threads: 1, lookahead: 0 });
    let r;
    try {
      r = await mixer.generate({ prompt: PROMPT, context: CONTEXT, maxTokens: 5, topLogprobs: 3 });
    } finally {
      await mixer.dispose();
    }
    const generated = r.tokens.map((t) => t.token);
    assert.equal(generated.length, 5, `${what}: five tokens (no early EOS)`);
    const perLane = await Promise.all(c.lanes.map((l) => ownLogits(models[l.model]!, l.withContext ? CONTEXT + PROMPT : PROMPT, generated)));
    r.tokens.forEach((tok, j) => {
      const scores = c.closedForm(perLane.map((rows) => rows[j]!));
      const norm = logSumExp(scores);
      let best = 0;
      for (let t = 1; t < SHARED; t++) if (scores[t]! > scores[best]!) best = t;
      const want = scores[tok.token]! - norm;
      assert.ok(tok.token < SHARED, `${what}: step ${j} chose id ${tok.token}, which is not shared`);
      assert.ok(scores[tok.token]! >= scores[best]! - 1e-3, `${what}: step ${j} chose ${tok.token}, the closed form's best is ${best}`);
      assert.ok(Math.abs(tok.logprob - want) < 2e-3, `${what}: step ${j} logprob ${tok.logprob} vs closed form ${want}`);
      for (const alt of tok.top) assert.ok(Math.abs(alt.logprob - (scores[alt.token]! - norm)) < 2e-3, `${what}: step ${j} alternative ${alt.token}`);
    });
  }
});

void test("no padding id is ever sampled, though the 7b-shaped model ranks its padding first (top-K and full read-outs)", async () => {
  // The premise: left to itself, the 7b-shaped model's best next token is a padding id.
  const [raw] = await ownLogits(models.q7!, PROMPT, [0]);
  let best = 0;
  for (let t = 1; t < raw!.length; t++) if (raw![t]! > raw![best]!) best = t;
  assert.ok(best >= SHARED, `the fixture's 7b should prefer padding, but its best id is ${best}`);
  const specs: MixSpec[] = [
    { strategy: "context-contrastive", model: "q7", beta: 0.5 },
    {
      strategy: "product",
      models: [
        { model: "q7", weight: 1 },
        { model: "q05", weight: 1 },
      ],
    },
    { strategy: "deferral", small: "q05", large: "q7", tau: 1 },
  ];
  for (const spec of specs) {
    for (const topK of [40, "all"] as const) {
      const mixer = await createMixer({ ...spec, topK }, models, { threads: 1, lookahead: 0 });
      try {
        const r = await mixer.generate({ prompt: PROMPT, context: CONTEXT, maxTokens: 10, topLogprobs: 5, sampling: { temperature: 2, seed: 7 } });
        for (const t of r.tokens)
          for (const id of [t.token, ...t.top.map((a) => a.token)]) assert.ok(id < SHARED, `${spec.strategy} topK ${topK}: padding id ${id}`);
      } finally {
        await mixer.dispose();
      }
    }
  }
});
