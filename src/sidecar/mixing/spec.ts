// MixSpec: which logit-level strategy to run over which models, validated from untrusted JSON (settings presets,
// HTTP request bodies). Model fields are names the sidecar's registry resolves; nothing here loads a model.

export const DEFAULT_TOP_K = 40;
export const MAX_TOP_K = 4096;

interface Common {
  /**
   * How many entries of each model's distribution are read out of llama.cpp per step ("all" = the whole
   * vocabulary, exact but O(vocabulary) per step). Default 40.
   */
  topK?: number | "all";
}

export interface ContrastiveSpec extends Common {
  strategy: "contrastive";
  expert: string;
  amateur: string;
  /** Plausibility: keep tokens with p_expert ≥ alpha · max p_expert. Default 0.1. */
  alpha?: number;
  /** score = (1+beta)·log p_expert − beta·log p_amateur. Default 0.5. */
  beta?: number;
}

export interface DExpertsSpec extends Common {
  strategy: "dexperts";
  base: string;
  expert: string;
  antiExpert: string;
  /** score = log p_base + alpha·(log p_expert − log p_antiExpert). Default 2. */
  alpha?: number;
}

export interface ProxyTuningSpec extends Common {
  strategy: "proxy-tuning";
  large: string;
  tuned: string;
  untuned: string;
  /** score = log p_large + alpha·(log p_tuned − log p_untuned). Default 1. */
  alpha?: number;
}

export interface ProductSpec extends Common {
  strategy: "product";
  /** score = Σ weight_i · log p_i, renormalised over the candidates. */
  models: { model: string; weight: number }[];
}

export interface ContextContrastiveSpec extends Common {
  strategy: "context-contrastive";
  model: string;
  /** score = (1+beta)·log p(·|context, prompt) − beta·log p(·|prompt). Default 0.5. */
  beta?: number;
}

export interface DeferralSpec extends Common {
  strategy: "deferral";
  small: string;
  large: string;
  /** The large model picks a token wherever the small model's max probability is below tau. Default 0.5. */
  tau?: number;
}

export type MixSpec = ContrastiveSpec | DExpertsSpec | ProxyTuningSpec | ProductSpec | ContextContrastiveSpec | DeferralSpec;
export type MixStrategyName = MixSpec["strategy"];

export const MIX_STRATEGIES: readonly MixStrategyName[] = ["contrastive", "dexperts", "proxy-tuning", "product", "context-contrastive", "deferral"];

export class MixSpecError extends Error {
  override readonly name = "MixSpecError";
}

/** The model names a spec refers to, in lane order, duplicates kept. */
export function mixSpecModels(spec: MixSpec): string[] {
  switch (spec.strategy) {
    case "contrastive":
      return [spec.expert, spec.amateur];
    case "dexperts":
      return [spec.base, spec.expert, spec.antiExpert];
    case "proxy-tuning":
      return [spec.large, spec.tuned, spec.untuned];
    case "product":
      return spec.models.map((m) => m.model);
    case "context-contrastive":
      return [spec.model, spec.model];
    case "deferral":
      return [spec.small, spec.large];
  }
}

const ROLE_KEYS: Record<MixStrategyName, string[]> = {
  contrastive: ["expert", "amateur"],
  dexperts: ["base", "expert", "antiExpert"],
  "proxy-tuning": ["large", "tuned", "untuned"],
  product: [],
  "context-contrastive": ["model"],
  deferral: ["small", "large"],
};

/** Numeric parameters: [key, default, min, max, what it means]. */
const NUM_KEYS: Record<MixStrategyName, [string, number, number, number, string][]> = {
  contrastive: [
    ["alpha", 0.1, 0, 1, "the plausibility fraction of the expert's top probability"],
    ["beta", 0.5, 0, 100, "the contrast weight"],
  ],
  dexperts: [["alpha", 2, 0, 100, "the steering weight"]],
  "proxy-tuning": [["alpha", 1, 0, 100, "the weight of the tuning offset"]],
  product: [],
  "context-contrastive": [["beta", 0.5, 0, 100, "the contrast weight"]],
  deferral: [["tau", 0.5, 0, 1, "the small model's confidence threshold"]],
};

/** Validate a MixSpec from untrusted JSON; defaults filled in. `where` names the source in messages. */
export function parseMixSpec(raw: unknown, where = "mix spec"): MixSpec {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new MixSpecError(`${where}: expected an object like {"strategy": "contrastive", "expert": "…", "amateur": "…"}`);
  const r = raw as Record<string, unknown>;
  const strategy = r.strategy;
  if (typeof strategy !== "string" || !(MIX_STRATEGIES as readonly string[]).includes(strategy))
    throw new MixSpecError(`${where}: "strategy" must be one of ${MIX_STRATEGIES.join(", ")}, not ${quoteValue(strategy)}`);
  const name = strategy as MixStrategyName;
  const numKeys = NUM_KEYS[name];
  const allowed = new Set(["strategy", "topK", ...ROLE_KEYS[name], ...numKeys.map((k) => k[0]), ...(name === "product" ? ["models"] : [])]);
  const unknown = Object.keys(r).filter((k) => !allowed.has(k));
  if (unknown.length > 0)
    throw new MixSpecError(
      `${where}: unknown key${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")} for strategy "${name}"; allowed: ${[...allowed].join(", ")}`,
    );

  const out: Record<string, unknown> = { strategy: name, topK: parseTopK(r.topK, where) };
  for (const key of ROLE_KEYS[name]) out[key] = modelName(r[key], `${where}: "${key}"`);
  for (const [key, dflt, min, max, what] of numKeys) {
    const v = r[key] ?? dflt;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max || (key === "alpha" && name === "contrastive" && v === 0))
      throw new MixSpecError(
        `${where}: "${key}" (${what}) must be a number in ${name === "contrastive" && key === "alpha" ? "(0" : `[${min}`}, ${max}], not ${quoteValue(v)}`,
      );
    out[key] = v;
  }
  if (name === "product") out.models = parseProductModels(r.models, where);
  return out as unknown as MixSpec;
}

function modelName(v: unknown, what: string): string {
  if (typeof v !== "string" || v.trim() === "") throw new MixSpecError(`${what} must name a model (a non-empty string), not ${quoteValue(v)}`);
  return v;
}

function parseTopK(v: unknown, where: string): number | "all" {
  if (v === undefined) return DEFAULT_TOP_K;
  if (v === "all") return "all";
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > MAX_TOP_K)
    throw new MixSpecError(`${where}: "topK" must be an integer from 1 to ${MAX_TOP_K}, or "all", not ${quoteValue(v)}`);
  return v;
}

function parseProductModels(v: unknown, where: string): ProductSpec["models"] {
  if (!Array.isArray(v) || v.length < 2 || v.length > 8)
    throw new MixSpecError(`${where}: "models" must be a list of 2 to 8 entries like {"model": "ts-expert", "weight": 1}`);
  const models = v.map((m: unknown, i) => {
    const at = `${where}: models[${i}]`;
    if (typeof m !== "object" || m === null) throw new MixSpecError(`${at} must be an object like {"model": "ts-expert", "weight": 1}`);
    const e = m as Record<string, unknown>;
    const extra = Object.keys(e).filter((k) => k !== "model" && k !== "weight");
    if (extra.length > 0) throw new MixSpecError(`${at}: unknown key ${extra.map((k) => `"${k}"`).join(", ")}; allowed: model, weight`);
    const weight = e.weight ?? 1;
    if (typeof weight !== "number" || !Number.isFinite(weight) || weight < 0 || weight > 100)
      throw new MixSpecError(`${at}: "weight" must be a number in [0, 100], not ${quoteValue(weight)}`);
    return { model: modelName(e.model, `${at}: "model"`), weight };
  });
  if (models.every((m) => m.weight === 0)) throw new MixSpecError(`${where}: at least one weight in "models" must be above 0`);
  return models;
}
import { quoteValue } from "../../core/quote";
