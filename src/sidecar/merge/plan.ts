// Merge plans: what to merge, how, and into what. Read from mergekit-shaped YAML (so users keep their habits)
// or built from CLI flags; both end in validatePlan, which refuses anything Chorus cannot honour with a message
// saying what to change.
import { readFile } from "node:fs/promises";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { METHOD_NAMES, methodByName, type MethodName } from "./methods";
import { MergeConfigError, type ConditionalValue, type ParamMap, type ParamValue } from "./params";

export type OutputDtype = "f32" | "f16" | "bf16" | "q8_0" | "q4_k_s" | "q4_k_m" | "q5_k_s" | "q5_k_m" | "q6_k";
export const OUTPUT_DTYPES: readonly OutputDtype[] = ["f32", "f16", "bf16", "q8_0", "q4_k_s", "q4_k_m", "q5_k_s", "q5_k_m", "q6_k"];

export interface PlanModel {
  path: string;
  parameters: ParamMap;
}

export interface MergePlan {
  method: MethodName;
  /** The models merged (the base model excluded). */
  models: PlanModel[];
  base?: string;
  parameters: ParamMap;
  dtype: OutputDtype;
  /** Seed of DARE/DELLA's random drops. */
  seed: number;
  /** general.name of the result; defaults to a description of the merge. */
  name?: string;
  /** Output path, when the plan names one (the CLI's --out wins). */
  out?: string;
  /**
   * The model whose tokenizer and metadata the output takes (mergekit's tokenizer_source), as a path; undefined
   * is mergekit's default: the base model, or the first model when there is none.
   */
  tokenizerSource?: string;
}

const DTYPE_ALIASES: Record<string, OutputDtype> = {
  f32: "f32",
  float32: "f32",
  f16: "f16",
  float16: "f16",
  half: "f16",
  bf16: "bf16",
  bfloat16: "bf16",
  q8_0: "q8_0",
  // llama-quantize's names for the k-quant mixes (its "Q4_K" means Q4_K_M, "Q5_K" Q5_K_M).
  q4_k_s: "q4_k_s",
  q4_k_m: "q4_k_m",
  q4_k: "q4_k_m",
  q5_k_s: "q5_k_s",
  q5_k_m: "q5_k_m",
  q5_k: "q5_k_m",
  q6_k: "q6_k",
};

export function parseDtype(raw: unknown, where: string): OutputDtype {
  const d = typeof raw === "string" ? DTYPE_ALIASES[raw.toLowerCase()] : undefined;
  if (!d) throw new MergeConfigError(`${where}: unsupported dtype ${JSON.stringify(raw)}; use one of ${OUTPUT_DTYPES.join(", ")}`);
  return d;
}

function parseParamValue(raw: unknown, where: string): ParamValue {
  if (typeof raw === "number" || typeof raw === "boolean") return raw;
  if (Array.isArray(raw) && raw.length > 0) {
    if (raw.every((x) => typeof x === "number")) return raw as number[];
    if (raw.every((x) => typeof x === "object" && x !== null && !Array.isArray(x))) {
      return raw.map((entry: Record<string, unknown>, i): ConditionalValue => {
        const filter = entry.filter;
        if (filter !== undefined && typeof filter !== "string") throw new MergeConfigError(`${where}[${i}].filter must be a string`);
        if (!("value" in entry)) throw new MergeConfigError(`${where}[${i}] needs a "value"`);
        const value = parseParamValue(entry.value, `${where}[${i}].value`);
        if (Array.isArray(value) && typeof value[0] === "object") throw new MergeConfigError(`${where}[${i}].value cannot itself hold filters`);
        return { filter, value: value as ConditionalValue["value"] };
      });
    }
  }
  throw new MergeConfigError(
    `${where}: expected a number, true/false, a list of numbers (a gradient over layers) or a list of {filter, value}, got ${JSON.stringify(raw)}`,
  );
}

function parseParamMap(raw: unknown, where: string): ParamMap {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw new MergeConfigError(`${where} must be a mapping of parameter names to values`);
  const out: ParamMap = {};
  for (const [k, v] of Object.entries(raw)) out[k] = parseParamValue(v, `${where}.${k}`);
  return out;
}

/** Every model a merge reads: the base first (when there is one), then the merged models. */
export function planInputs(plan: MergePlan): string[] {
  return [...(plan.base ? [plan.base] : []), ...plan.models.map((m) => m.path)];
}

/** Check a plan against its method's needs; returns it for chaining. */
export function validatePlan(plan: MergePlan): MergePlan {
  const method = methodByName(plan.method);
  if (!method) throw new MergeConfigError(`unknown merge method "${plan.method}"; use one of ${METHOD_NAMES.join(", ")}`);
  if (method.base === "required" && !plan.base) throw new MergeConfigError(`${plan.method} needs a base model (--base or base_model)`);
  if (method.base === "none" && plan.base)
    throw new MergeConfigError(`${plan.method} does not use a base model; drop --base/base_model or list that model among the models`);
  const count = plan.models.length;
  const needs = method.maxModels === method.minModels ? `exactly ${method.minModels}` : `at least ${method.minModels}`;
  if (count < method.minModels || (method.maxModels !== undefined && count > method.maxModels))
    throw new MergeConfigError(`${plan.method} needs ${needs} model(s) besides the base, got ${count}`);
  // int8_mask only saves memory in mergekit (the sign mask's dtype); plans carry it often, and it changes nothing.
  const known = new Set([...method.parameters, "int8_mask"]);
  const check = (map: ParamMap, where: string) => {
    for (const k of Object.keys(map))
      if (!known.has(k)) throw new MergeConfigError(`${where}: ${plan.method} has no parameter "${k}"; it takes ${method.parameters.join(", ")}`);
  };
  check(plan.parameters, "parameters");
  plan.models.forEach((m, i) => check(m.parameters, `models[${i}] (${m.path}).parameters`));
  if (!Number.isInteger(plan.seed) || plan.seed < 0) throw new MergeConfigError(`seed must be a non-negative integer, got ${plan.seed}`);
  if (plan.tokenizerSource !== undefined && !planInputs(plan).includes(plan.tokenizerSource))
    throw new MergeConfigError(`tokenizer_source ${plan.tokenizerSource} is not one of the models merged; name the base or one of the models`);
  checkUsableValues(plan);
  return plan;
}

/** Every number a parameter value holds: the scalar, a gradient's points, each conditional entry's value. */
function numbersIn(v: ParamValue | undefined): number[] {
  if (v === undefined || typeof v === "boolean") return [];
  if (typeof v === "number") return [v];
  return v.flatMap((x) => (typeof x === "number" ? [x] : numbersIn(x.value)));
}

/**
 * Values that parse but make a merge no one wants: slerp's t outside [0, 1] extrapolates past both models
 * instead of interpolating between them, and linear weights that are all 0 make every merged value 0.
 */
function checkUsableValues(plan: MergePlan): void {
  if (plan.method === "slerp") {
    const t = [plan.parameters.t, ...plan.models.map((m) => m.parameters.t)].flatMap(numbersIn).find((x) => x < 0 || x > 1);
    if (t !== undefined) throw new MergeConfigError(`slerp's t must be from 0 (the base model) to 1 (the other model), got ${t}`);
  }
  if (plan.method === "linear") {
    const weightsOf = (m: PlanModel) => numbersIn(m.parameters.weight ?? plan.parameters.weight ?? 1);
    if (plan.models.every((m) => weightsOf(m).every((w) => w === 0)))
      throw new MergeConfigError(`every model's weight is 0, so every merged value would be 0: give at least one model a weight other than 0`);
  }
}

interface RawModelEntry {
  model?: unknown;
  parameters?: unknown;
  layer_range?: unknown;
}

function modelsOf(doc: Record<string, unknown>): RawModelEntry[] {
  if (doc.models !== undefined) {
    if (!Array.isArray(doc.models)) throw new MergeConfigError(`"models" must be a list of {model: path, parameters: …}`);
    return doc.models as RawModelEntry[];
  }
  if (Array.isArray(doc.slices)) {
    // mergekit's slices only matter for layer surgery (frankenmerges); one slice over whole models is a plain merge.
    if (doc.slices.length !== 1) throw new MergeConfigError(`only one slice is supported; Chorus merges whole models, not layer ranges`);
    const sources = (doc.slices[0] as { sources?: unknown }).sources;
    if (!Array.isArray(sources)) throw new MergeConfigError(`slices[0].sources must be a list of models`);
    return sources as RawModelEntry[];
  }
  throw new MergeConfigError(`the plan lists no models: add "models:" (or mergekit's "slices: - sources:")`);
}

/**
 * mergekit's `tokenizer_source` (or `tokenizer: {source}`): "base", or a model. "union" would need a vocabulary
 * built from several (new token ids, every embedding permuted), which Chorus does not do.
 */
function tokenizerSourceOf(d: Record<string, unknown>, base: string | undefined, resolve: (p: unknown, where: string) => string): string | undefined {
  const raw = d.tokenizer_source ?? (d.tokenizer as { source?: unknown } | undefined)?.source;
  if (raw === undefined || raw === null) return undefined;
  if (raw === "union")
    throw new MergeConfigError(
      `tokenizer_source "union" is not supported: Chorus does not build a new vocabulary; use "base" or one of the models (its added tokens keep that model's embedding rows)`,
    );
  if (raw === "base") {
    if (!base) throw new MergeConfigError(`tokenizer_source "base" needs a base_model; name one of the models instead`);
    return base;
  }
  return resolve(raw, "tokenizer_source");
}

/** Parse mergekit-shaped YAML text. Relative model paths resolve against `baseDir` (the plan's folder). */
export function parsePlanYaml(text: string, baseDir: string): MergePlan {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new MergeConfigError(`the merge plan is not valid YAML: ${(e as Error).message}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new MergeConfigError(`the merge plan must be a YAML mapping`);
  const d = doc as Record<string, unknown>;
  if (typeof d.merge_method !== "string") throw new MergeConfigError(`the plan needs "merge_method" (one of ${METHOD_NAMES.join(", ")})`);
  const resolve = (p: unknown, where: string): string => {
    if (typeof p !== "string" || p.trim() === "") throw new MergeConfigError(`${where} must be a path to a GGUF file`);
    return path.resolve(baseDir, p);
  };
  const base = d.base_model === undefined ? undefined : resolve(d.base_model, "base_model");
  const models = modelsOf(d)
    .map((m, i) => {
      if (m.layer_range !== undefined && !Array.isArray(m.layer_range)) throw new MergeConfigError(`models[${i}].layer_range must be [start, end]`);
      return { path: resolve(m.model, `models[${i}].model`), parameters: parseParamMap(m.parameters, `models[${i}].parameters`) };
    })
    // Listing the base among the models is mergekit's habit; its task vector is zero, so it is the base only.
    .filter((m) => m.path !== base);
  const seed = d.seed ?? d.random_seed ?? 0;
  return validatePlan({
    method: d.merge_method as MethodName,
    models,
    base,
    parameters: parseParamMap(d.parameters, "parameters"),
    dtype: d.dtype === undefined && d.out_dtype === undefined ? "f16" : parseDtype(d.out_dtype ?? d.dtype, "dtype"),
    seed: typeof seed === "number" ? seed : NaN,
    name: typeof d.name === "string" ? d.name : undefined,
    out: d.out === undefined ? undefined : resolve(d.out, "out"),
    tokenizerSource: tokenizerSourceOf(d, base, resolve),
  });
}

export async function readPlanFile(file: string): Promise<MergePlan> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new MergeConfigError(`cannot read the merge plan ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parsePlanYaml(text, path.dirname(path.resolve(file)));
}
