// Shared setup for the mixing tests that run real llama.cpp: bigram GGUFs generated from corpora (their exact
// next-token tables come from bigramTable, independently of llama.cpp), a CPU runtime, one thread per model.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Llama, LlamaModel } from "node-llama-cpp";
import { makeBigramModel, type BigramTable } from "../../../src/sidecar/testmodels/bigram";

export interface TestModel {
  model: LlamaModel;
  table: BigramTable;
}

export interface TestBed {
  llama: Llama;
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
    const made = await makeBigramModel({ corpus: s.corpus, out: join(dir, `${name}.gguf`), name, smoothing: s.smoothing, vocabSize: s.vocabSize, contextLength: 2048 });
    models[name] = { model: await llama.loadModel({ modelPath: made.path, gpuLayers: 0 }), table: made.table };
  }
  return {
    llama,
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
