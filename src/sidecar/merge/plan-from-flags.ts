// A merge plan from command-line style options (the CLI's flags, the VS Code command's quick picks).
import { MergeConfigError, type ParamMap } from "./params";
import { parseDtype, validatePlan, type MergePlan } from "./plan";
import type { MethodName } from "./methods";

export interface MergeFlags {
  method: string;
  models: string[];
  base?: string;
  /** One weight per model, or one for all. */
  weights?: number[];
  /** One density per model, or one for all. */
  density?: number[];
  /** slerp's t: one value, or several interpolated over depth. */
  t?: number[];
  lambda?: number;
  dtype?: string;
  seed?: number;
  name?: string;
  /** The model whose tokenizer and metadata the output takes (default: the base, else the first model). */
  tokenizerSource?: string;
}

/** "0.3,0.7" → [0.3, 0.7], naming the flag when a value is not a number. */
export function parseNumberList(raw: string, flag: string): number[] {
  const parts = raw.split(",").map((s) => s.trim());
  return parts.map((p) => {
    const v = Number(p);
    if (p === "" || !Number.isFinite(v)) throw new MergeConfigError(`${flag}: "${p}" is not a number (expected a comma-separated list like 0.5,0.5)`);
    return v;
  });
}

function perModel(values: number[] | undefined, count: number, flag: string): (number | undefined)[] {
  if (!values) return new Array<undefined>(count).fill(undefined);
  if (values.length === 1) return new Array<number>(count).fill(values[0]!);
  if (values.length !== count) throw new MergeConfigError(`${flag} has ${values.length} values for ${count} models; give one value, or one per model`);
  return values;
}

export function planFromFlags(f: MergeFlags): MergePlan {
  if (f.models.length === 0) throw new MergeConfigError(`--models is empty: list the GGUF files to merge, separated by commas`);
  let models = f.models;
  let base = f.base;
  // slerp interpolates from a base to one other model; with two models and no --base, the first is the base.
  if (f.method === "slerp" && !base && models.length === 2) [base, models] = [models[0], models.slice(1)];
  models = models.filter((m) => m !== base);
  const weights = perModel(f.weights, models.length, "--weights");
  const densities = perModel(f.density, models.length, "--density");
  const parameters: ParamMap = {};
  if (f.t) parameters.t = f.t.length === 1 ? f.t[0]! : f.t;
  if (f.lambda !== undefined) parameters.lambda = f.lambda;
  return validatePlan({
    method: f.method as MethodName,
    models: models.map((p, i) => {
      const params: ParamMap = {};
      if (weights[i] !== undefined) params.weight = weights[i];
      if (densities[i] !== undefined) params.density = densities[i];
      return { path: p, parameters: params };
    }),
    base,
    parameters,
    dtype: parseDtype(f.dtype ?? "f16", "--dtype"),
    seed: f.seed ?? 0,
    name: f.name,
    tokenizerSource: f.tokenizerSource,
  });
}
