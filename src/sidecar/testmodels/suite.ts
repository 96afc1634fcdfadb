// The standard set of generated test models (`chorus make-test-models`): closed-form bigram experts trained on the
// TypeScript and Python corpora, a general one, a weak "amateur", a random-weight model, optionally 32k-vocabulary
// variants, and a models.json that describes them (including each bigram's held-out cross-entropy).
import { rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { GgmlType, ggmlTypeName } from "../gguf/types";
import { crossEntropyBitsPerByte, makeBigramModel, type Corpus } from "./bigram";
import { findCorporaDir, loadLanguageCorpus, type LanguageCorpus } from "./corpora";
import { makeQwenCoderModel, QWEN25_CODER } from "./families";
import { makeRandomModel } from "./random";

export interface TestModelEntry {
  id: string;
  file: string;
  kind: "bigram" | "random";
  description: string;
  vocabSize: number;
  dim: number;
  layers: number;
  dtype: string;
  bytes: number;
  /** Tokens the model says it can attend to (llama.context_length). */
  contextLength: number;
  /** Bigram models: the corpora they were trained on and their add-α smoothing. */
  corpora?: string[];
  smoothing?: number;
  /** Bigram models: bits per byte on each language's held-out files. */
  heldoutBitsPerByte?: Record<string, number>;
  seed?: number;
}

export interface TestModelManifest {
  generator: string;
  corporaDir: string;
  corpora: Record<string, { train: string[]; heldout: string[] }>;
  models: TestModelEntry[];
}

export interface MakeTestModelsOptions {
  outDir: string;
  corporaDir?: string;
  /** Also write ts-expert-32k, py-expert-32k and general-32k (Q8_0, vocabulary padded to 32000). */
  bigVocab?: boolean;
  /** Also write a Qwen2.5-Coder 0.5b-shaped and 7b-shaped pair (families.ts): 151,936 and 152,064 ids, about 10 and 20 MB. */
  families?: boolean;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

interface BigramRecipe {
  id: string;
  description: string;
  languages: string[];
  smoothing: number;
  vocabSize?: number;
  dtype?: "f32" | "q8_0";
}

/**
 * The context the generated models declare. They read bytes, one token each, so a review prompt for a short file
 * is already ~2000 tokens; the sidecar caps the context it opens at chorus.sidecar.maxContext (default 4096), so
 * the models' own limit is never the one a user meets first. The KV cache stays small (one layer, d ≈ 264).
 */
export const TEST_MODEL_CONTEXT = 8192;

const RECIPES: BigramRecipe[] = [
  { id: "ts-expert", description: "byte bigram trained on the TypeScript corpus", languages: ["typescript"], smoothing: 0.1 },
  { id: "py-expert", description: "byte bigram trained on the Python corpus", languages: ["python"], smoothing: 0.1 },
  { id: "general", description: "byte bigram trained on both corpora", languages: ["typescript", "python"], smoothing: 0.1 },
  { id: "weak", description: "amateur: byte bigram on both corpora, heavily smoothed", languages: ["typescript", "python"], smoothing: 5 },
];

const BIG_RECIPES: BigramRecipe[] = [
  {
    id: "ts-expert-32k",
    description: "ts-expert with the vocabulary padded to 32000 tokens",
    languages: ["typescript"],
    smoothing: 0.1,
    vocabSize: 32000,
    dtype: "q8_0",
  },
  {
    id: "py-expert-32k",
    description: "py-expert with the vocabulary padded to 32000 tokens",
    languages: ["python"],
    smoothing: 0.1,
    vocabSize: 32000,
    dtype: "q8_0",
  },
  {
    id: "general-32k",
    description: "general with the vocabulary padded to 32000 tokens",
    languages: ["typescript", "python"],
    smoothing: 0.1,
    vocabSize: 32000,
    dtype: "q8_0",
  },
];

export async function makeTestModels(opts: MakeTestModelsOptions): Promise<TestModelManifest> {
  const log = opts.log ?? ((): void => undefined);
  const outDir = resolve(opts.outDir);
  const corporaDir = findCorporaDir(opts.corporaDir);
  const languages = ["typescript", "python"];
  const corpora = new Map<string, LanguageCorpus>();
  for (const lang of languages) corpora.set(lang, await loadLanguageCorpus(corporaDir, lang));

  const models: TestModelEntry[] = [];
  for (const recipe of [...RECIPES, ...(opts.bigVocab ? BIG_RECIPES : [])]) {
    const corpus: Corpus = recipe.languages.flatMap((l) => corpora.get(l)!.train);
    const file = `${recipe.id}.gguf`;
    const m = await makeBigramModel({
      corpus,
      out: join(outDir, file),
      name: `chorus ${recipe.id}`,
      smoothing: recipe.smoothing,
      vocabSize: recipe.vocabSize,
      dtype: recipe.dtype,
      contextLength: TEST_MODEL_CONTEXT,
      signal: opts.signal,
    });
    const heldoutBitsPerByte: Record<string, number> = {};
    for (const [lang, c] of corpora) if (c.heldout.length) heldoutBitsPerByte[lang] = round(crossEntropyBitsPerByte(m.table, c.heldout));
    models.push({
      id: recipe.id,
      file,
      kind: "bigram",
      description: recipe.description,
      vocabSize: m.table.vocabSize,
      dim: m.shape.dim,
      layers: 1,
      dtype: ggmlTypeName(m.dtype).toLowerCase(),
      bytes: m.bytes,
      contextLength: m.shape.contextLength,
      corpora: recipe.languages,
      smoothing: recipe.smoothing,
      heldoutBitsPerByte,
    });
    log(`wrote ${file} (${(m.bytes / 1e6).toFixed(1)} MB)`);
  }

  const random = await makeRandomModel({
    out: join(outDir, "random-small.gguf"),
    name: "chorus random-small",
    seed: 1,
    contextLength: TEST_MODEL_CONTEXT,
    signal: opts.signal,
  });
  models.push({
    id: "random-small",
    file: "random-small.gguf",
    kind: "random",
    description: "random weights: real attention, RoPE and KV cache over the byte vocabulary",
    vocabSize: random.shape.vocabSize,
    dim: random.shape.dim,
    layers: random.shape.layers,
    dtype: ggmlTypeName(GgmlType.F32).toLowerCase(),
    bytes: random.bytes,
    contextLength: random.shape.contextLength,
    seed: random.seed,
  });
  log(`wrote random-small.gguf (${(random.bytes / 1e6).toFixed(1)} MB)`);
  if (opts.families) for (const size of ["0.5b", "7b"] as const) models.push(await familyModel(outDir, size, opts.signal, log));

  const manifest: TestModelManifest = {
    generator: "chorus make-test-models",
    corporaDir,
    corpora: Object.fromEntries([...corpora].map(([l, c]) => [l, { train: c.trainFiles, heldout: c.heldoutFiles }])),
    models,
  };
  const manifestPath = join(outDir, "models.json");
  const tmp = `${manifestPath}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(tmp, manifestPath);
  log(`wrote models.json`);
  return manifest;
}

/** A random-weight model with Qwen2.5-Coder `size`'s vocabulary (size, special tokens, padding) and output tying. */
async function familyModel(outDir: string, size: "0.5b" | "7b", signal: AbortSignal | undefined, log: (line: string) => void): Promise<TestModelEntry> {
  const id = `qwen2.5-coder-${size}-shaped`;
  const m = await makeQwenCoderModel({
    out: join(outDir, `${id}.gguf`),
    size,
    seed: size === "7b" ? 2 : 1,
    dim: size === "7b" ? 32 : 16,
    contextLength: TEST_MODEL_CONTEXT,
    signal,
  });
  log(`wrote ${id}.gguf (${(m.bytes / 1e6).toFixed(1)} MB)`);
  return {
    id,
    file: `${id}.gguf`,
    kind: "random",
    description: `random weights with Qwen2.5-Coder ${size}'s vocabulary layout (${m.shape.vocabSize} ids, padding from ${m.vocab.padding.from}, ${QWEN25_CODER[size].tied ? "tied" : "untied"} output): mixes with the other size`,
    vocabSize: m.shape.vocabSize,
    dim: m.shape.dim,
    layers: m.shape.layers,
    dtype: "f16",
    bytes: m.bytes,
    contextLength: m.shape.contextLength,
    seed: m.seed,
  };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
