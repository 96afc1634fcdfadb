// Chorus configuration as the engine sees it. VS Code settings (src/vscode/settings.ts) and the CLI's JSON
// config file (src/cli/config-file.ts) both produce this one shape through readChorusConfig, from the schemas in
// ./settings.

import { isOllamaCloudName } from "./providers/ollama-facts";
import type { Capabilities, ProviderKind } from "./providers/types";
import { GENERAL_SETTINGS, type GeneralSettings } from "./settings/general";
import { readSection, sectionDefaults, type SettingProblem, type SettingsReader } from "./settings/section";

export type ModelTag = "local" | "cloud" | "fast" | "strong" | "cheap" | "code" | "embedding" | string;

export interface ModelConfig {
  /** Chorus's own name for this model, unique among configured models ("local-coder", "gpt4o"). */
  id: string;
  provider: ProviderKind;
  /** Base URL; defaults per provider (Ollama 127.0.0.1:11434, OpenAI api.openai.com/v1, the running sidecar). */
  endpoint?: string;
  /** The provider's model name ("qwen2.5-coder:1.5b", "gpt-4o-mini"). */
  model: string;
  /** USD per 1M input / output tokens; 0 for local models. */
  priceIn?: number;
  priceOut?: number;
  tags?: ModelTag[];
  /** Name of the secret (SecretStorage key / env var in the CLI) holding the API key, if the endpoint needs one. */
  apiKeySecret?: string;
  /** Override what Chorus assumes the model can do (FIM, logprobs, embeddings). */
  capabilities?: Partial<Capabilities>;
  /** OpenAI-compatible FIM: "auto" (default), "suffix" (native /v1/completions suffix) or "template". */
  fim?: "auto" | "suffix" | "template";
  /** FIM template family when the model name does not tell ("qwen-coder", "starcoder", "codellama", …). */
  fimFamily?: string;
  /** Ollama keep_alive for this model ("30m", seconds, -1 = keep loaded). */
  keepAlive?: string | number;
  /** OpenAI-compatible: the output token limit of every request to this model, reasoning tokens included. */
  maxOutputTokens?: number;
  /** OpenAI reasoning models: "minimal", "low", "medium" or "high" (sent as reasoning_effort). */
  reasoningEffort?: string;
}

/** A sidecar mixing preset ("chorus/<name>"): several local models voting on every token, served as one model. */
export const isMixingPreset = (m: ModelConfig): boolean => m.provider === "sidecar" && m.model.startsWith("chorus/");

export interface PrivacyConfig {
  /** Glob patterns of files whose content must never reach a cloud model. */
  localOnlyGlobs: string[];
  /** When true, nothing goes to a cloud model at all. */
  localOnly: boolean;
}

export interface ChorusConfig {
  models: ModelConfig[];
  ollamaUrl: string;
  privacy: PrivacyConfig;
  /** Active mode id per surface. */
  modes: { completion: string; ask: string; review: string };
  /** Monthly cloud budget in USD; 0 = no cap. */
  budgetUsd: number;
}

export { DEFAULT_OLLAMA_URL } from "./settings/general";
export const DEFAULT_OPENAI_URL = "https://api.openai.com/v1";

export function defaultConfig(): ChorusConfig {
  return chorusConfig(sectionDefaults(GENERAL_SETTINGS), []);
}

/**
 * chorus.* settings (or the CLI's config file, shaped like them) → ChorusConfig. A bad value never stops Chorus:
 * that setting keeps its default (a bad chorus.models, no models) and a problem names it.
 */
export function readChorusConfig(reader: SettingsReader, problems: SettingProblem[]): ChorusConfig {
  const general = readSection(GENERAL_SETTINGS, "", reader, problems);
  let models: ModelConfig[] = [];
  try {
    models = parseModelConfigs(reader.get("models"), reader.name("models"));
  } catch (e) {
    problems.push({ setting: reader.name("models"), message: e instanceof ConfigError ? e.message : String(e) });
  }
  return chorusConfig(general, models);
}

function chorusConfig(g: GeneralSettings, models: ModelConfig[]): ChorusConfig {
  return {
    models,
    ollamaUrl: g.ollamaUrl,
    privacy: { localOnlyGlobs: g["privacy.localOnlyGlobs"], localOnly: g["privacy.localOnly"] },
    modes: { completion: g["modes.completion"], ask: g["modes.ask"], review: g["modes.review"] },
    budgetUsd: g.budgetUsd,
  };
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const PROVIDERS: readonly ProviderKind[] = ["ollama", "openai", "sidecar"];

/** Validate one model entry from untrusted input (settings.json, a CLI config file). */
export function parseModelConfig(raw: unknown, where: string): ModelConfig {
  if (typeof raw !== "object" || raw === null) throw new ConfigError(`${where}: expected an object with id, provider and model`);
  const r = raw as Record<string, unknown>;
  const str = (k: string, required: boolean): string | undefined => {
    const v = r[k];
    if (v === undefined && !required) return undefined;
    if (typeof v !== "string" || v.trim() === "") throw new ConfigError(`${where}: "${k}" must be a non-empty string`);
    return v;
  };
  const num = (k: string): number | undefined => {
    const v = r[k];
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new ConfigError(`${where}: "${k}" must be a number ≥ 0`);
    return v;
  };
  const provider = str("provider", true) as ProviderKind;
  if (!PROVIDERS.includes(provider)) throw new ConfigError(`${where}: "provider" must be one of ${PROVIDERS.join(", ")}, not "${provider}"`);
  const tags = r.tags;
  if (tags !== undefined && (!Array.isArray(tags) || tags.some((t) => typeof t !== "string")))
    throw new ConfigError(`${where}: "tags" must be a list of strings`);
  const endpoint = str("endpoint", false);
  if (endpoint !== undefined) {
    try {
      new URL(endpoint);
    } catch {
      throw new ConfigError(`${where}: "endpoint" is not a valid URL: ${endpoint}`);
    }
  }
  const fim = str("fim", false);
  if (fim !== undefined && !["auto", "suffix", "template"].includes(fim)) throw new ConfigError(`${where}: "fim" must be auto, suffix or template`);
  const keepAlive = r.keepAlive;
  if (keepAlive !== undefined && typeof keepAlive !== "string" && typeof keepAlive !== "number")
    throw new ConfigError(`${where}: "keepAlive" must be a duration like "30m" or a number of seconds`);
  const maxOutputTokens = num("maxOutputTokens");
  if (maxOutputTokens !== undefined && (!Number.isInteger(maxOutputTokens) || maxOutputTokens < 1))
    throw new ConfigError(`${where}: "maxOutputTokens" must be a whole number of tokens ≥ 1`);
  const reasoningEffort = str("reasoningEffort", false);
  if (reasoningEffort !== undefined && !["minimal", "low", "medium", "high"].includes(reasoningEffort))
    throw new ConfigError(`${where}: "reasoningEffort" must be minimal, low, medium or high`);
  const caps = r.capabilities;
  if (caps !== undefined && (typeof caps !== "object" || caps === null || Array.isArray(caps)))
    throw new ConfigError(`${where}: "capabilities" must be an object like {"fim": true, "logprobs": false}`);
  return {
    fim: fim as ModelConfig["fim"],
    fimFamily: str("fimFamily", false),
    keepAlive: keepAlive as string | number | undefined,
    capabilities: caps as Partial<Capabilities> | undefined,
    id: str("id", true)!,
    provider,
    model: str("model", true)!,
    endpoint,
    priceIn: num("priceIn"),
    priceOut: num("priceOut"),
    tags:
      provider === "ollama" && isOllamaCloudName(str("model", true)!) ? asCloud({ tags: tags as string[] | undefined }).tags : (tags as string[] | undefined),
    apiKeySecret: str("apiKeySecret", false),
    ...(maxOutputTokens !== undefined ? { maxOutputTokens } : {}),
    ...(reasoningEffort !== undefined ? { reasoningEffort } : {}),
  };
}

export function parseModelConfigs(raw: unknown, where = "chorus.models"): ModelConfig[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new ConfigError(`${where}: expected a list of models`);
  const models = raw.map((m, i) => parseModelConfig(m, `${where}[${i}]`));
  const seen = new Set<string>();
  for (const m of models) {
    if (seen.has(m.id)) throw new ConfigError(`${where}: two models have the id "${m.id}"; ids must be unique`);
    seen.add(m.id);
  }
  return models;
}

/**
 * Whether a model runs on this machine. An Ollama model is not local just because Ollama serves it: since Ollama
 * 0.12 a `*-cloud` model is proxied to ollama.com, so its name decides here (a "local" tag on it is ignored), and
 * Models asks Ollama about the others before sending anything (see Models.located).
 */
export function isLocal(m: ModelConfig): boolean {
  if (m.tags?.includes("cloud")) return false;
  if (m.provider === "ollama") return !isOllamaCloudName(m.model);
  return m.provider !== "openai" || (m.tags?.includes("local") ?? false);
}

/** The same model marked as running in the cloud: "cloud" tag on, "local" tag off (routing tiers read the tags). */
export function asCloud<T extends Pick<ModelConfig, "tags">>(m: T): T {
  return { ...m, tags: [...(m.tags ?? []).filter((t) => t !== "local" && t !== "cloud"), "cloud"] };
}

/** Cost in USD of one call. */
export function callCost(m: ModelConfig, inputTokens: number, outputTokens: number): number {
  return ((m.priceIn ?? 0) * inputTokens + (m.priceOut ?? 0) * outputTokens) / 1_000_000;
}
