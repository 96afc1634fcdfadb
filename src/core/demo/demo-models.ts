// The demo as the engine sees it: with nothing configured and no Ollama, the sidecar's trained demo models
// (src/sidecar/demo.ts, models/demo) become the models, each labelled as what it is, with tags that give route and
// cascade a fast and a strong side, plus the scripted demo reviewer; and the modes that show the product at its best
// with them. Shared by the extension (engine-host.ts) and `npm start`, so both show the same demo.

import type { ModelConfig } from "../config";
import type { ModeSurface } from "../modes";
import { SCRIPTED_REVIEWER_LABEL } from "./scripted-reviewer";

/** What every demo model is, said wherever it appears. */
export const DEMO_MODEL_LABEL = "demo · 3M params, trained on code by Chorus";
const TINY_LABEL = "demo · 0.14M params, trained on code by Chorus";

export const SCRIPTED_REVIEWER_ID = "scripted-demo-reviewer";

/** The demo mixing preset the demo is recognised by (the sidecar serves it only with --demo / demoModels). */
export const DEMO_MARKER_PRESET = "chorus/contrastive-ts";

const DEMO_MODELS: readonly ModelConfig[] = [
  // The tiny model is the cascade's cheap first try and the router's fast side; ts-expert its strong side.
  { id: "weak", provider: "sidecar", model: "weak", tags: ["local", "fast", "cheap", "code"], label: TINY_LABEL },
  { id: "ts-expert", provider: "sidecar", model: "ts-expert", tags: ["local", "strong", "code", "typescript"], label: `${DEMO_MODEL_LABEL} (TypeScript)` },
  { id: "py-expert", provider: "sidecar", model: "py-expert", tags: ["local", "code", "python"], label: `${DEMO_MODEL_LABEL} (Python)` },
  { id: "general", provider: "sidecar", model: "general", tags: ["local", "code"], label: `${DEMO_MODEL_LABEL} (TS, JS, Python)` },
  { id: "weak-ts", provider: "sidecar", model: "weak-ts", tags: ["local", "fast", "cheap", "code"], label: `${TINY_LABEL} (TypeScript)` },
];

const SCRIPTED_REVIEWER: ModelConfig = {
  id: SCRIPTED_REVIEWER_ID,
  provider: "scripted",
  model: "demo-reviews",
  tags: ["local", "review"],
  label: SCRIPTED_REVIEWER_LABEL,
};

/** The demo's models: those the sidecar serves, free, plus the scripted reviewer. */
export function demoModelConfigs(served: readonly string[]): ModelConfig[] {
  const models = DEMO_MODELS.filter((m) => served.includes(m.model)).map((m) => ({ ...m, priceIn: 0, priceOut: 0 }));
  return [...models, { ...SCRIPTED_REVIEWER, priceIn: 0, priceOut: 0 }];
}

/**
 * The demo's modes, where the user chose none: ghost text from a mix (the contrastive preset: the TypeScript expert
 * minus the tiny model, which cuts the repetition a small model falls into), Ask through the cascade from the tiny
 * model to the strong one, and review as refine, which one reviewer — the scripted one — can run alone.
 */
export const DEMO_MODES: Record<ModeSurface, string> = { completion: "mix:contrastive-ts", ask: "cascade", review: "refine" };

export function isScriptedReviewer(m: ModelConfig): boolean {
  return m.provider === "scripted";
}

/** The label a model is shown with: its own label, or nothing for a model the user configured. */
export function modelLabel(models: readonly ModelConfig[], id: string): string | undefined {
  return models.find((m) => m.id === id)?.label;
}
