// Shared setup for the mixing tests that run real llama.cpp: bigram GGUFs generated from corpora (their exact
// next-token tables come from bigramTable, independently of llama.cpp), a CPU runtime, one thread per model.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Llama, LlamaModel } from "node-llama-cpp";
import { createMixer, type MixerOptions } from "../../../src/sidecar/mixing/mixer";
import type { SamplingOptions } from "../../../src/sidecar/mixing/sampling";
import type { MixSpec } from "../../../src/sidecar/mixing/spec";
import { makeBigramModel, type BigramTable } from "../../../src/sidecar/testmodels/bigram";

export interface TestModel {
  model: LlamaModel;
  table: BigramTable;
}

export interface TestBed {
  llama: Llama;
  /** The temporary folder the models are in (removed by dispose). */
  dir: string;
  models: Record<string, TestModel>;
  dispose(): Promise<void>;
}

/** Source files of one language under a folder, concatenated (training text). */
export function corpusFrom(dir: string, ext: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => readFileSync(join(dir, f), "utf8"));
}

/** The project's fixed training corpora (test/fixtures/corpora), so the tables never change under the tests. */
export const CORPORA = join(__dirname, "../../fixtures/corpora");
export const TRAIN_TS = corpusFrom(join(CORPORA, "typescript/train"), ".txt");
export const TRAIN_PY = corpusFrom(join(CORPORA, "python/train"), ".txt");

export async function makeTestBed(specs: Record<string, { corpus: string | string[]; smoothing?: number; vocabSize?: number }>): Promise<TestBed> {
  const dir = mkdtempSync(join(tmpdir(), "chorus-mixing-"));
  const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const models: Record<string, TestModel> = {};
  for (const [name, s] of Object.entries(specs)) {
    const made = await makeBigramModel({
      corpus: s.corpus,
      out: join(dir, `${name}.gguf`),
      name,
      smoothing: s.smoothing,
      vocabSize: s.vocabSize,
      contextLength: 2048,
    });
    models[name] = { model: await llama.loadModel({ modelPath: made.path, gpuLayers: 0 }), table: made.table };
  }
  return {
    llama,
    dir,
    models,
    async dispose() {
      for (const m of Object.values(models)) await m.model.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function loaded(bed: TestBed): Record<string, LlamaModel> {
  return Object.fromEntries(Object.entries(bed.models).map(([k, v]) => [k, v.model]));
}

export function logSumExp(xs: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i]! > max) max = xs[i]!;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += Math.exp(xs[i]! - max);
  return max + Math.log(s);
}

/** What a mixer wrote for each of a series of requests, and the prompt tokens its lanes evaluated for each. */
export interface RequestsRun {
  tokens: number[][];
  logprobs: number[][];
  evaluated: number[];
}

/** One mixer serving `prompts` in turn (12 tokens each), as an editor's successive completions would. */
export async function runRequests(
  spec: MixSpec,
  models: Record<string, LlamaModel>,
  options: MixerOptions,
  prompts: readonly string[],
  context?: string,
  sampling: SamplingOptions = { temperature: 0 },
): Promise<RequestsRun> {
  const mixer = await createMixer(spec, models, { threads: 1, ...options });
  const run: RequestsRun = { tokens: [], logprobs: [], evaluated: [] };
  try {
    for (const prompt of prompts) {
      const r = await mixer.generate({ prompt, context, maxTokens: 12, sampling });
      run.tokens.push(r.tokens.map((t) => t.token));
      run.logprobs.push(r.tokens.map((t) => t.logprob));
      run.evaluated.push(r.timing.promptTokensEvaluated);
    }
    return run;
  } finally {
    await mixer.dispose();
  }
}

export function assertSameRun(a: RequestsRun, b: RequestsRun, what: string, tol: number): void {
  assert.deepEqual(a.tokens, b.tokens, `${what}: tokens`);
  a.logprobs.forEach((row, i) =>
    row.forEach((lp, j) => assert.ok(Math.abs(lp - b.logprobs[i]![j]!) <= tol, `${what}: request ${i} token ${j} logprob ${lp} vs ${b.logprobs[i]![j]}`)),
  );
}

const FILE = "export function add(a: number, b: number): number {\n  return a + b;\n}\n\nexport function sub(a: number, b: number) {\n";
/** A file being edited, and successive completion prompts in it: typing on, a jump back, an unrelated prompt, a repeat. */
export const EDITS = {
  file: FILE,
  requests: [FILE + "  return", FILE + "  return a -", FILE + "  ret", "def main():\n    ", "def main():\n    "],
  /** Prompts longer than a context's 512-token batch (evaluated in several batches, lanes sharing them). */
  long: [FILE.repeat(7) + "  return", FILE.repeat(7) + "  return a"],
};
