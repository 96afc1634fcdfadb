// The rows of `chorus bench quality`: every single model in the folder, the mixing strategies over them and the
// merges of the two language experts with the general model as base. Each row names the models it needs; a row
// whose models are missing is skipped with that reason.
import type { MixSpec } from "../sidecar/mixing/spec";
import { planFromFlags } from "../sidecar/merge/plan-from-flags";
import type { MergePlan } from "../sidecar/merge/plan";

/** The models the benchmark knows by role (file `<name>.gguf` in the models folder). */
export const MODEL_NAMES = ["general", "ts-expert", "py-expert", "weak", "weak-ts"] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** Seed of the random merge methods (DARE), fixed so that a run can be repeated. */
export const MERGE_SEED = 1;

export type RowDef =
  | { name: string; kind: "single"; model: ModelName; needs: ModelName[] }
  | { name: string; kind: "mix"; spec: MixSpec; noContext?: MixSpec; needs: ModelName[] }
  | { name: string; kind: "merge"; method: string; flags: MergeFlagsLite; needs: ModelName[] }
  | { name: string; kind: "optimize"; method: string; flags: MergeFlagsLite; needs: ModelName[] };

/** The merge parameters a row sets; the models are always ts-expert and py-expert, the base general. */
export interface MergeFlagsLite {
  weights?: number[];
  density?: number[];
  t?: number[];
  gamma?: number;
}

/**
 * One model as a mix: a product needs two entries, and one of weight 0 gets no lane, so this is the model's own
 * distribution (renormalised over the whole vocabulary: exact).
 */
export const alone = (model: string): MixSpec => ({
  strategy: "product",
  models: [
    { model, weight: 1 },
    { model, weight: 0 },
  ],
  topK: "all",
});
const experts = (w: number): MixSpec => ({
  strategy: "product",
  models: [
    { model: "ts-expert", weight: w },
    { model: "py-expert", weight: w },
  ],
  topK: "all",
});

/** Every row, in the order the table lists them. */
export function rowDefinitions(): RowDef[] {
  const singles: RowDef[] = MODEL_NAMES.map((model) => ({ name: model, kind: "single", model, needs: [model] }));
  const mixes: RowDef[] = [
    { name: "product(ts-expert, py-expert) ½,½", kind: "mix", spec: experts(0.5), needs: ["ts-expert", "py-expert"] },
    { name: "product(ts-expert, py-expert) 1,1", kind: "mix", spec: experts(1), needs: ["ts-expert", "py-expert"] },
    {
      name: "contrastive(ts-expert − weak)",
      kind: "mix",
      spec: { strategy: "contrastive", expert: "ts-expert", amateur: "weak", topK: "all" },
      needs: ["ts-expert", "weak"],
    },
    {
      // The plausibility cut of α = 0.1 gives some true bytes probability 0; a small α keeps almost all of them.
      name: "contrastive(ts-expert − weak) α=0.001",
      kind: "mix",
      spec: { strategy: "contrastive", expert: "ts-expert", amateur: "weak", alpha: 0.001, topK: "all" },
      needs: ["ts-expert", "weak"],
    },
    {
      name: "proxy-tuning general + (weak-ts − weak)",
      kind: "mix",
      spec: { strategy: "proxy-tuning", large: "general", tuned: "weak-ts", untuned: "weak", topK: "all" },
      needs: ["general", "weak-ts", "weak"],
    },
    {
      name: "dexperts general + 2·(ts-expert − py-expert)",
      kind: "mix",
      spec: { strategy: "dexperts", base: "general", expert: "ts-expert", antiExpert: "py-expert", topK: "all" },
      needs: ["general", "ts-expert", "py-expert"],
    },
    {
      name: "deferral(weak → general) τ=½",
      kind: "mix",
      spec: { strategy: "deferral", small: "weak", large: "general", topK: "all" },
      needs: ["weak", "general"],
    },
    {
      name: "context-contrastive(general)",
      kind: "mix",
      spec: { strategy: "context-contrastive", model: "general", topK: "all" },
      noContext: alone("general"),
      needs: ["general"],
    },
  ];
  // Parameters as mergekit reads them (shared/notes/merge-methods.md): task_arithmetic is base + Σ wᵢ·δᵢ (1,1 is the
  // plain sum of the task vectors; ½,½ equals the linear average over the same base), TIES normalises by the weights
  // kept, DARE keeps each entry with probability `density` under a fixed seed, breadcrumbs drops the top `gamma`.
  const merge = (name: string, method: string, flags: MergeFlagsLite): RowDef => ({
    name,
    kind: "merge",
    method,
    flags,
    needs: ["general", "ts-expert", "py-expert"],
  });
  const merges: RowDef[] = [
    merge("merge linear ½,½", "linear", { weights: [0.5, 0.5] }),
    merge("merge task_arithmetic 1,1", "task_arithmetic", { weights: [1, 1] }),
    merge("merge task_arithmetic ½,½", "task_arithmetic", { weights: [0.5, 0.5] }),
    merge("merge ties density ½", "ties", { weights: [1, 1], density: [0.5] }),
    merge(`merge dare_ties density ½ seed ${MERGE_SEED}`, "dare_ties", { weights: [1, 1], density: [0.5] }),
    merge("merge slerp t=½", "slerp", { t: [0.5] }),
    merge("merge breadcrumbs density 0.9 gamma 0.01", "breadcrumbs", { weights: [1, 1], density: [0.9], gamma: 0.01 }),
    {
      name: "merge task_arithmetic --optimize weights",
      kind: "optimize",
      method: "task_arithmetic",
      flags: { weights: [0.5, 0.5] },
      needs: ["general", "ts-expert", "py-expert"],
    },
  ];
  return [...singles, ...mixes, ...merges];
}

export function mixSpecOf(row: RowDef & { kind: "single" | "mix" }): MixSpec {
  return row.kind === "single" ? alone(row.model) : row.spec;
}

/** The merge plan of a merge row over the files in `modelPath`. SLERP goes from the TypeScript to the Python expert. */
export function mergePlanOf(row: RowDef & { kind: "merge" | "optimize" }, modelPath: (m: ModelName) => string, dtype: string): MergePlan {
  // planFromFlags makes the first of two models slerp's base when none is given.
  const plan = planFromFlags({
    method: row.method,
    models: [modelPath("ts-expert"), modelPath("py-expert")],
    base: row.method === "slerp" || row.method === "linear" ? undefined : modelPath("general"),
    weights: row.flags.weights,
    density: row.flags.density,
    t: row.flags.t,
    dtype,
    seed: MERGE_SEED,
  });
  if (row.flags.gamma === undefined) return plan;
  return { ...plan, models: plan.models.map((m) => ({ ...m, parameters: { ...m.parameters, gamma: row.flags.gamma! } })) };
}
