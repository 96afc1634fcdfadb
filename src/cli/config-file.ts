// The CLI's config: a JSON file with the same shape as the chorus.* settings, e.g.
//   { "models": [{ "id": "local", "provider": "ollama", "model": "qwen2.5-coder:1.5b", "tags": ["local", "fast"] }],
//     "ollamaUrl": "http://127.0.0.1:11434", "modes": { "ask": "route" }, "budgetUsd": 5,
//     "sidecar": { "presets": { "qwen-cd": { "strategy": "contrastive", "expert": "…", "amateur": "…" } } } }
// API keys never live in it: a model's apiKeySecret names an environment variable instead.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { defaultApiCollabOptions, type ApiCollabOptions } from "../core/collab/api/api-collab";
import { ConfigError, defaultConfig, readChorusConfig, type ChorusConfig } from "../core/config";
import { readReviewSettings, type ReviewSettings } from "../core/settings/review";
import { readRoutingSettings } from "../core/settings/routing";
import { jsonSettingsReader, type SettingProblem } from "../core/settings/section";
import { parsePresets, type Preset } from "../sidecar/presets";

export function defaultConfigPaths(): string[] {
  const xdg = process.env.XDG_CONFIG_HOME ?? join(homedir(), ".config");
  return [resolve("chorus.json"), join(xdg, "chorus", "config.json")];
}

export interface LoadedConfig {
  config: ChorusConfig;
  /** The "routing" section, shaped like the chorus.routing.* settings. */
  routing: ApiCollabOptions;
  /** The "review" section, shaped like the chorus.review.* settings. */
  review: ReviewSettings;
  /** Bad values, each replaced by its default: the CLI prints them and goes on, as the extension does. */
  problems: string[];
  path?: string;
}

export function loadConfigFile(explicit?: string): LoadedConfig {
  const file = readConfigJson(explicit);
  return file
    ? { ...parseConfigObject(file.raw, file.path), path: file.path }
    : { config: defaultConfig(), routing: defaultApiCollabOptions(), review: readReviewSettings(jsonSettingsReader({}, ""), []), problems: [] };
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

/**
 * A settings-shaped object, read by the same schemas as the extension's settings; unknown keys are ignored so that
 * newer files still load. Only a file that is not an object, or whose "models" are broken, is refused.
 */
export function parseConfigObject(raw: unknown, where: string): Omit<LoadedConfig, "path"> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ConfigError(`${where}: expected a JSON object`);
  const found: SettingProblem[] = [];
  const reader = jsonSettingsReader(raw, where);
  const config = readChorusConfig(reader, found);
  // Unlike a bad value elsewhere, a bad "models" stops the command: run on, it would fall back to whatever
  // Ollama serves (cloud models included), which is not what the file asked for.
  const badModels = found.find((p) => p.setting === reader.name("models"));
  if (badModels) throw new ConfigError(badModels.message);
  const { collab } = readRoutingSettings(reader, found);
  const review = readReviewSettings(reader, found);
  return { config, routing: collab, review, problems: found.map((p) => p.message) };
}

/** CLI secrets: the environment variable named by apiKeySecret (or CHORUS_KEY_<NAME>). */
export async function envSecret(name: string): Promise<string | undefined> {
  return process.env[name] ?? process.env[`CHORUS_KEY_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`];
}

export function cliDataDir(): string {
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "chorus");
}
