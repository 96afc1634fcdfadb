// The registry of merge methods by their mergekit names.
import { linear } from "./linear";
import { modelStock } from "./model-stock";
import { slerp } from "./slerp";
import { taskVectorMethods } from "./task-arithmetic";
import type { MergeMethod, MethodName } from "./types";

export type { MergeMethod, MethodName, TensorJob } from "./types";

const ALL: MergeMethod[] = [linear, slerp, modelStock, ...taskVectorMethods];

export const METHOD_NAMES = ALL.map((m) => m.name) as readonly MethodName[];

export function methodByName(name: string): MergeMethod | undefined {
  return ALL.find((m) => m.name === name);
}

/** One line per method for help texts and quick picks. */
export const METHOD_DESCRIPTIONS: Record<MethodName, string> = {
  linear: "weighted average of the models",
  slerp: "spherical interpolation between two models (t = 0 → base, 1 → the other)",
  model_stock: "average moved towards the base by how much the models agree (≥ 2 models + base)",
  task_arithmetic: "base + λ·Σ weight·(model − base)",
  ties: "task vectors trimmed to the top density, sign vote, averaged",
  dare_ties: "task vectors randomly dropped (keep = density) and rescaled, sign vote",
  dare_linear: "task vectors randomly dropped (keep = density) and rescaled, summed",
  breadcrumbs: "task vectors without their largest (gamma) and smallest entries, summed",
  breadcrumbs_ties: "breadcrumbs with the TIES sign vote",
  della: "magnitude-ranked random drop per row, rescaled, sign vote",
  della_linear: "magnitude-ranked random drop per row, rescaled, summed",
};
