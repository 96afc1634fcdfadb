// The demo set: four tiny generated models and the presets that mix them, so that a fresh install with nothing
// configured already shows logit-level collaboration (`npm start`, `chorus serve --demo`). The models are
// bigram GGUFs written by the project's own generator (src/sidecar/testmodels) into a cache folder, once.

import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { DEMO_PROSE, DEMO_PY, DEMO_TS } from "./demo-corpora";
import { parseMixSpec } from "./mixing/spec";
import type { Preset } from "./presets";
import { makeBigramModel } from "./testmodels/bigram";

/** Bump when the corpora or options change, so old caches are regenerated into a new folder. */
const DEMO_VERSION = 1;

const MODELS = [
  { name: "demo-ts", corpus: DEMO_TS, smoothing: 0.05 },
  { name: "demo-py", corpus: DEMO_PY, smoothing: 0.05 },
  { name: "demo-general", corpus: [DEMO_TS, DEMO_PY, DEMO_PROSE], smoothing: 0.1 },
  // Heavy smoothing flattens the table: a weak "amateur" that contrastive decoding subtracts.
  { name: "demo-weak", corpus: [DEMO_TS, DEMO_PY, DEMO_PROSE], smoothing: 3 },
] as const;

export function demoFolder(cacheDir: string): string {
  return join(cacheDir, `demo-models-v${DEMO_VERSION}`);
}

/** Writes the demo models that are missing (each is written to a temp file and renamed by the writer). */
export async function ensureDemoModels(cacheDir: string): Promise<string> {
  const dir = demoFolder(cacheDir);
  mkdirSync(dir, { recursive: true });
  for (const m of MODELS) {
    const out = join(dir, `${m.name}.gguf`);
    if (existsSync(out)) continue;
    await makeBigramModel({ corpus: m.corpus, out, name: m.name, smoothing: m.smoothing });
  }
  return dir;
}

export function demoPresets(): Preset[] {
  const p = (name: string, description: string, spec: unknown): Preset => ({ name, description, spec: parseMixSpec(spec, `demo preset ${name}`) });
  return [
    p("contrastive-ts", "Contrastive decoding: the TypeScript model minus a weak general one", { strategy: "contrastive", expert: "demo-ts", amateur: "demo-weak", alpha: 0.1, beta: 0.5 }),
    p("poe-ts-py", "Product of experts: TypeScript × Python models", { strategy: "product", models: [{ model: "demo-ts", weight: 1 }, { model: "demo-py", weight: 1 }] }),
    p("defer-weak-general", "Token-level deferral: a weak model writes, the general model takes over when unsure", { strategy: "deferral", small: "demo-weak", large: "demo-general", tau: 0.3 }),
    p("dexperts-ts", "DExperts: the general model steered towards TypeScript and away from Python", { strategy: "dexperts", base: "demo-general", expert: "demo-ts", antiExpert: "demo-py", alpha: 1 }),
  ];
}
