// The demo set: the project's generated test models and presets that mix them, so that a fresh install with
// nothing configured already shows logit-level collaboration (`npm start`, `chorus serve --demo`). The models are
// written once into a cache folder by the GGUF engineer's generator (`chorus make-test-models`) from the
// project's corpora; where those corpora are not shipped, from small built-in ones under the same names.

import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { DEMO_PROSE, DEMO_PY, DEMO_TS } from "./demo-corpora";
import { parseMixSpec } from "./mixing/spec";
import type { Preset } from "./presets";
import { makeBigramModel } from "./testmodels/bigram";
import { findCorporaDir } from "./testmodels/corpora";
import { makeTestModels, TEST_MODEL_CONTEXT } from "./testmodels/suite";

/** Bump when the corpora or options change, so old caches are regenerated into a new folder. */
const DEMO_VERSION = 2;

/** Same names and smoothing as make-test-models' recipes, for the built-in fallback. */
const FALLBACK = [
  { name: "ts-expert", corpus: DEMO_TS, smoothing: 0.1 },
  { name: "py-expert", corpus: DEMO_PY, smoothing: 0.1 },
  { name: "general", corpus: [DEMO_TS, DEMO_PY, DEMO_PROSE], smoothing: 0.1 },
  // Heavy smoothing flattens the table: a weak "amateur" that contrastive decoding subtracts.
  { name: "weak", corpus: [DEMO_TS, DEMO_PY, DEMO_PROSE], smoothing: 5 },
] as const;

export function demoFolder(cacheDir: string): string {
  return join(cacheDir, `demo-models-v${DEMO_VERSION}`);
}

/** Writes the demo models unless they are there (each file is written to a temp file and renamed by the writer). */
export async function ensureDemoModels(cacheDir: string, corporaDir?: string, log?: (line: string) => void): Promise<string> {
  const dir = demoFolder(cacheDir);
  if (FALLBACK.every((m) => existsSync(join(dir, `${m.name}.gguf`)))) return dir;
  mkdirSync(dir, { recursive: true });
  let corpora: string | undefined;
  try {
    corpora = findCorporaDir(corporaDir);
  } catch {
    corpora = undefined;
  }
  if (corpora) {
    await makeTestModels({ outDir: dir, corporaDir: corpora, log });
    return dir;
  }
  for (const m of FALLBACK)
    await makeBigramModel({
      corpus: m.corpus,
      out: join(dir, `${m.name}.gguf`),
      name: `chorus ${m.name}`,
      smoothing: m.smoothing,
      contextLength: TEST_MODEL_CONTEXT,
    });
  return dir;
}

export function demoPresets(): Preset[] {
  const p = (name: string, description: string, spec: unknown): Preset => ({ name, description, spec: parseMixSpec(spec, `demo preset ${name}`) });
  return [
    p("contrastive-ts", "Contrastive decoding: the TypeScript model minus a weak general one", {
      strategy: "contrastive",
      expert: "ts-expert",
      amateur: "weak",
      alpha: 0.1,
      beta: 0.5,
    }),
    p("poe-ts-py", "Product of experts: TypeScript × Python models", {
      strategy: "product",
      models: [
        { model: "ts-expert", weight: 1 },
        { model: "py-expert", weight: 1 },
      ],
    }),
    p("defer-weak-general", "Token-level deferral: a weak model writes, the general model takes over when unsure", {
      strategy: "deferral",
      small: "weak",
      large: "general",
      tau: 0.3,
    }),
    p("dexperts-ts", "DExperts: the general model steered towards TypeScript and away from Python", {
      strategy: "dexperts",
      base: "general",
      expert: "ts-expert",
      antiExpert: "py-expert",
      alpha: 1,
    }),
  ];
}
