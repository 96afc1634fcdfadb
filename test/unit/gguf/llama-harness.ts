// Runs real llama.cpp (node-llama-cpp, CPU, one thread) on a generated model and reads next-token logits.
import type { Llama, LlamaModel } from "node-llama-cpp";

let llama: Promise<Llama> | undefined;

export function testLlama(): Promise<Llama> {
  llama ??= import("node-llama-cpp").then(({ getLlama, LlamaLogLevel }) =>
    getLlama({ gpu: false, build: "never", maxThreads: 1, logLevel: LlamaLogLevel.error }),
  );
  return llama;
}

export async function withModel<T>(path: string, use: (model: LlamaModel) => Promise<T>): Promise<T> {
  const model = await (await testLlama()).loadModel({ modelPath: path });
  try {
    return await use(model);
  } finally {
    await model.dispose();
  }
}

/** Raw logits over the whole vocabulary after each prompt (each evaluated from an empty context). */
export async function nextLogits(model: LlamaModel, prompts: readonly number[][]): Promise<Float64Array[]> {
  const context = await model.createContext({ contextSize: 256, threads: 1, batchSize: 256 });
  try {
    const results: Float64Array[] = [];
    const sequence = context.getSequence();
    for (const prompt of prompts) {
      await sequence.clearHistory();
      {
        const items = prompt.map((t, i) => (i === prompt.length - 1 ? ([t, { generateNext: { logits: true } }] as const) : t));
        const out = await sequence.controlledEvaluate(items as Parameters<typeof sequence.controlledEvaluate>[0]);
        const logits = out[out.length - 1]?.next.logits;
        if (!logits) throw new Error("llama.cpp returned no logits");
        const row = new Float64Array(logits.size);
        for (const [token, value] of logits) row[token as number] = value;
        results.push(row);
      }
    }
    return results;
  } finally {
    await context.dispose();
  }
}

export function logSoftmax(x: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) max = Math.max(max, x[i]!);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.exp(x[i]! - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(x, (v) => v - lse);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** One evaluation of `tokens` in a fresh context, with the full logits after every token (row i: after tokens[i]).
 * For a bigram model row i depends only on tokens[i], so this reads many table rows in a single pass. */
export async function logitsAfterEachToken(model: LlamaModel, tokens: readonly number[]): Promise<Float64Array[]> {
  const context = await model.createContext({ contextSize: Math.max(256, tokens.length + 1), threads: 1, batchSize: 512 });
  try {
    const sequence = context.getSequence();
    const items = tokens.map((t) => [t, { generateNext: { logits: true } }] as const);
    const out = await sequence.controlledEvaluate(items as unknown as Parameters<typeof sequence.controlledEvaluate>[0]);
    return out.map((o, i) => {
      const logits = o?.next.logits;
      if (!logits) throw new Error(`llama.cpp returned no logits after token ${i}`);
      const row = new Float64Array(logits.size);
      for (const [token, value] of logits) row[token as number] = value;
      return row;
    });
  } finally {
    await context.dispose();
  }
}

/** BOS, every byte, EOS: every row of a 258-token bigram model. */
export const EVERY_BASE_TOKEN: readonly number[] = [256, ...Array.from({ length: 256 }, (_, i) => i), 257];
