// The CLI's config: a JSON file with the same shape as the chorus.* settings, e.g.
//   { "models": [{ "id": "local", "provider": "ollama", "model": "qwen2.5-coder:1.5b", "tags": ["local", "fast"] }],
//     "ollamaUrl": "http://127.0.0.1:11434", "modes": { "ask": "route" }, "budgetUsd": 5,
//     "sidecar": { "presets": { "qwen-cd": { "strategy": "contrastive", "expert": "…", "amateur": "…" } } } }
// API keys never live in it: a model's apiKeySecret names an environment variable instead.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { ConfigError, defaultConfig, parseModelConfigs, type ChorusConfig } from "../core/config";
import { parsePresets, type Preset } from "../sidecar/presets";

export function defaultConfigPaths(): string[] {
  const xdg = process.env.XDG_CONFIG_HOME ?? join(homedir(), ".config");
  return [resolve("chorus.json"), join(xdg, "chorus", "config.json")];
}

export function loadConfigFile(explicit?: string): { config: ChorusConfig; path?: string } {
  const file = readConfigJson(explicit);
  return file ? { config: parseConfigObject(file.raw, file.path), path: file.path } : { config: defaultConfig() };
}

/** The config file's JSON (the explicit one, else the first default that exists), or undefined when there is none. */
function readConfigJson(explicit?: string): { raw: unknown; path: string } | undefined {
  const path = explicit ? resolve(explicit) : defaultConfigPaths().find((p) => existsSync(p));
  if (!path) return undefined;
  if (!existsSync(path)) throw new ConfigError(`The config file ${path} does not exist.`);
  try {
    return { raw: JSON.parse(readFileSync(path, "utf8")), path };
  } catch (e) {
    throw new ConfigError(`The config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * The mixing presets of the config file's "sidecar": {"presets": {…}}, shaped like chorus.sidecar.presets and
 * parsed by the same parser as the extension's; a broken entry is a problem to report, the others still load.
 */
export function loadConfigPresets(explicit?: string): { presets: Preset[]; problems: string[]; path?: string } {
  const file = readConfigJson(explicit);
  if (!file) return { presets: [], problems: [] };
  const sidecar = (file.raw as { sidecar?: unknown } | null)?.sidecar;
  if (sidecar !== undefined && (typeof sidecar !== "object" || sidecar === null || Array.isArray(sidecar)))
    return { presets: [], problems: [`${file.path}: "sidecar" must be an object, like {"presets": {…}}`], path: file.path };
  return { ...parsePresets((sidecar as { presets?: unknown } | undefined)?.presets, `${file.path}: sidecar.presets`), path: file.path };
}

/** Validate a settings-shaped object; unknown keys are ignored so that newer files still load. */
export function parseConfigObject(raw: unknown, where: string): ChorusConfig {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ConfigError(`${where}: expected a JSON object`);
  const r = raw as Record<string, unknown>;
  const base = defaultConfig();
  const modes = (r.modes ?? {}) as Record<string, unknown>;
  const privacy = (r.privacy ?? {}) as Record<string, unknown>;
  const str = (v: unknown, d: string) => (typeof v === "string" && v ? v : d);
  if (r.budgetUsd !== undefined && (typeof r.budgetUsd !== "number" || r.budgetUsd < 0)) throw new ConfigError(`${where}: "budgetUsd" must be a number ≥ 0`);
  if (privacy.localOnlyGlobs !== undefined && (!Array.isArray(privacy.localOnlyGlobs) || privacy.localOnlyGlobs.some((g) => typeof g !== "string")))
    throw new ConfigError(`${where}: "privacy.localOnlyGlobs" must be a list of glob strings`);
  return {
    models: parseModelConfigs(r.models, `${where}: models`),
    ollamaUrl: str(r.ollamaUrl, base.ollamaUrl),
    privacy: {
      localOnlyGlobs: (privacy.localOnlyGlobs as string[] | undefined) ?? base.privacy.localOnlyGlobs,
      localOnly: privacy.localOnly === true,
    },
    modes: { completion: str(modes.completion, base.modes.completion), ask: str(modes.ask, base.modes.ask), review: str(modes.review, base.modes.review) },
    budgetUsd: (r.budgetUsd as number | undefined) ?? base.budgetUsd,
  };
}

/** CLI secrets: the environment variable named by apiKeySecret (or CHORUS_KEY_<NAME>). */
export async function envSecret(name: string): Promise<string | undefined> {
  return process.env[name] ?? process.env[`CHORUS_KEY_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`];
}

export function cliDataDir(): string {
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "chorus");
}
