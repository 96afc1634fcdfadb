// The lockstep engine on random-weight models with real attention and a KV cache (where, unlike the bigram models,
// everything before the last token matters): context-contrastive lanes really see different texts, and deferral's
// large model, fed the small model's tokens in batches, predicts exactly what it predicts when run alone.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Llama, LlamaModel, Token } from "node-llama-cpp";
import { createMixer } from "../../../src/sidecar/mixing/mixer";
import { makeRandomModel } from "../../../src/sidecar/testmodels/random";
import { logSumExp } from "./helpers";

let dir: string;
let llama: Llama;
const models: Record<string, LlamaModel> = {};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorus-mixing-attn-"));
  const lib = await import("node-llama-cpp");
  llama = await lib.getLlama({ gpu: false, build: "never", logLevel: lib.LlamaLogLevel.error });
  for (const [name, seed] of [
    ["small", 11],
    ["large", 12],
  ] as const) {
    const made = await makeRandomModel({ out: join(dir, `${name}.gguf`), seed, contextLength: 512 });
    models[name] = await llama.loadModel({ modelPath: made.path, gpuLayers: 0 });
  }
});
after(async () => {
  for (const m of Object.values(models)) await m.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** The model alone, teacher-forced over `tokens`: log-softmax of the full logits after each position ≥ from. */
async function reference(model: LlamaModel, tokens: number[], from: number): Promise<Float64Array[]> {
  const ctx = await model.createContext({ contextSize: 512, threads: 1 });
  try {
    const items = tokens.map((t, i) => (i >= from ? ([t as Token, { generateNext: { logits: true } }] as const) : (t as Token)));
    const out = await ctx.getSequence().controlledEvaluate(items as Parameters<ReturnType<typeof ctx.getSequence>["controlledEvaluate"]>[0]);
    const rows: Float64Array[] = [];
    for (let i = from; i < tokens.length; i++) {
      const row = new Float64Array(258).fill(-Infinity);
      for (const [t, z] of out[i]!.next.logits!) row[t] = z;
      const norm = logSumExp(row);
      rows.push(row.map((z) => z - norm));
    }
    return rows;
  } finally {
    await ctx.dispose();
  }
}

const encode = (model: LlamaModel, text: string) => [model.tokens.bos!, ...model.tokenize(text)] as number[];

void test("context-contrastive on an attention model: (1+β)·log p(·|ctx, x) − β·log p(·|x) at every step", async () => {
  const beta = 0.6;
  const context = "def area(r):\n    return 3.14 * r * r\n\n";
  const prompt = "def ";
  const mixer = await createMixer({ strategy: "context-contrastive", model: "small", beta, topK: "all" }, models);
  try {
    const r = await mixer.generate({ prompt, context, maxTokens: 12 });
    const generated = r.tokens.map((t) => t.token);
    const withCtx = encode(models.small!, context + prompt);
    const without = encode(models.small!, prompt);
    const a = await reference(models.small!, [...withCtx, ...generated.slice(0, -1)], withCtx.length - 1);
    const b = await reference(models.small!, [...without, ...generated.slice(0, -1)], without.length - 1);
    let differ = 0;
    r.tokens.forEach((tok, i) => {
      const mixed = a[i]!.map((lp, t) => (1 + beta) * lp - beta * b[i]![t]!);
      const norm = logSumExp(mixed);
      assert.ok(Math.abs(tok.logprob - (mixed[tok.token]! - norm)) < 1e-3, `step ${i}: ${tok.logprob} vs ${mixed[tok.token]! - norm}`);
      assert.ok(mixed[tok.token]! >= Math.max(...mixed) - 1e-3, `step ${i}: not the argmax`);
      if (Math.abs(a[i]![tok.token]! - b[i]![tok.token]!) > 1e-3) differ++;
    });
    assert.ok(differ > 0, "the two lanes saw different texts");
  } finally {
    await mixer.dispose();
  }
});

void test("deferral on attention models: the large model's catch-up batches give exactly its own predictions", async () => {
  const prompt = "export function ";
  const promptTokens = encode(models.small!, prompt);
  for (const tau of [0.05, 0.08, 0.1, 0.15, 0.2, 0.3]) {
    const mixer = await createMixer({ strategy: "deferral", small: "small", large: "large", tau, topK: "all" }, models);
    const r = await mixer.generate({ prompt, maxTokens: 16, sampling: { temperature: 1, seed: 5 } }).finally(() => mixer.dispose());
    if (!(r.writers.small && r.writers.large)) continue;
    const generated = r.tokens.map((t) => t.token);
    const context = [...promptTokens, ...generated.slice(0, -1)];
    const small = await reference(models.small!, context, promptTokens.length - 1);
    const large = await reference(models.large!, context, promptTokens.length - 1);
    r.tokens.forEach((tok, i) => {
      const deferred = Math.exp(Math.max(...small[i]!)) < tau;
      assert.equal(tok.writer, deferred ? "large" : "small", `step ${i}: writer`);
      const own = (deferred ? large : small)[i]!;
      assert.ok(Math.abs(tok.logprob - own[tok.token]!) < 1e-3, `step ${i} (${tok.writer}): ${tok.logprob} vs ${own[tok.token]}`);
    });
    const caughtUp = r.tokens.some((t, i) => i > 0 && t.writer === "large" && r.tokens[i - 1]!.writer === "small");
    assert.ok(caughtUp, "at least once the large model caught up on tokens the small one wrote");
    return;
  }
  assert.fail("no τ in the list made both models write; the random models' confidences fall outside it");
});
