// Every `chorus.*` setting the extension reads, as typed keys in one place, and the mapping from settings to
// the engine's ChorusConfig. A test checks that SETTINGS and package.json `contributes.configuration` agree, so a
// feature that adds a setting adds its key here AND its schema (with a description) to package.json.
//
// Only `import type` from vscode: this module is also unit-tested in plain Node.
import type * as vscode from "vscode";
import { ConfigError, defaultConfig, parseModelConfigs, type ChorusConfig } from "../core/config";

export const SETTINGS = {
  models: "chorus.models",
  ollamaUrl: "chorus.ollamaUrl",
  discoverOllama: "chorus.discoverOllama",
  localOnly: "chorus.privacy.localOnly",
  localOnlyGlobs: "chorus.privacy.localOnlyGlobs",
  modeCompletion: "chorus.modes.completion",
  modeAsk: "chorus.modes.ask",
  modeReview: "chorus.modes.review",
  budgetUsd: "chorus.budgetUsd",
  reviewParticipants: "chorus.review.participants",
  reviewRounds: "chorus.review.rounds",
  reviewJudge: "chorus.review.judge",
  routingStrongShare: "chorus.routing.strongShare",
  routingCheapModel: "chorus.routing.cheapModel",
  routingStrongModel: "chorus.routing.strongModel",
  routingCascadeThreshold: "chorus.routing.cascadeThreshold",
  routingCascadeRulesCompletion: "chorus.routing.cascadeRulesCompletion",
  routingCascadeRulesAsk: "chorus.routing.cascadeRulesAsk",
  routingFallbackChain: "chorus.routing.fallbackChain",
  routingLearn: "chorus.routing.learn",
  completionEnabled: "chorus.completion.enabled",
  completionMultiline: "chorus.completion.multiline",
  completionLatencyBudgetMs: "chorus.completion.latencyBudgetMs",
  completionDebounceMs: "chorus.completion.debounceMs",
  sidecarEnabled: "chorus.sidecar.enabled",
  sidecarModelFolders: "chorus.sidecar.modelFolders",
  sidecarUseOllamaModels: "chorus.sidecar.useOllamaModels",
  sidecarMemoryMb: "chorus.sidecar.memoryMb",
  sidecarThreads: "chorus.sidecar.threads",
  sidecarLookahead: "chorus.sidecar.lookahead",
  sidecarGpu: "chorus.sidecar.gpu",
  sidecarDemoModels: "chorus.sidecar.demoModels",
  sidecarPresets: "chorus.sidecar.presets",
  sidecarAdapters: "chorus.sidecar.adapters",
} as const;

export type SettingKey = (typeof SETTINGS)[keyof typeof SETTINGS];

/** What settings are read from: `vscode.workspace.getConfiguration()` in the extension, a map in tests. */
export interface SettingsSource {
  get<T>(key: string): T | undefined;
}

export function settingsSource(configuration: vscode.WorkspaceConfiguration): SettingsSource {
  return { get: <T>(key: string) => configuration.get<T>(key) };
}

export interface SettingsProblem {
  key: SettingKey;
  message: string;
}

/**
 * Settings → ChorusConfig. A bad value never stops Chorus: the default is used for that key and the problem is
 * returned so the host can tell the user which setting to fix (the settings themselves are left untouched).
 */
export function readConfig(source: SettingsSource): { config: ChorusConfig; problems: SettingsProblem[] } {
  const config = defaultConfig();
  const problems: SettingsProblem[] = [];

  try {
    config.models = parseModelConfigs(source.get(SETTINGS.models), SETTINGS.models);
  } catch (e) {
    problems.push({ key: SETTINGS.models, message: e instanceof ConfigError ? e.message : String(e) });
  }

  const url = source.get<unknown>(SETTINGS.ollamaUrl);
  if (typeof url === "string" && url.trim() !== "") {
    if (isHttpUrl(url)) config.ollamaUrl = url.replace(/\/+$/, "");
    else problems.push({ key: SETTINGS.ollamaUrl, message: `${SETTINGS.ollamaUrl}: "${url}" is not an http(s) URL such as http://127.0.0.1:11434` });
  }

  const localOnly = source.get<unknown>(SETTINGS.localOnly);
  if (typeof localOnly === "boolean") config.privacy.localOnly = localOnly;

  const globs = source.get<unknown>(SETTINGS.localOnlyGlobs);
  if (globs !== undefined) {
    if (Array.isArray(globs) && globs.every((g) => typeof g === "string")) config.privacy.localOnlyGlobs = globs as string[];
    else problems.push({ key: SETTINGS.localOnlyGlobs, message: `${SETTINGS.localOnlyGlobs} must be a list of glob patterns such as "**/.env"` });
  }

  for (const [surface, key] of [["completion", SETTINGS.modeCompletion], ["ask", SETTINGS.modeAsk], ["review", SETTINGS.modeReview]] as const) {
    const id = source.get<unknown>(key);
    if (typeof id === "string" && id.trim() !== "") config.modes[surface] = id.trim();
  }

  const budget = source.get<unknown>(SETTINGS.budgetUsd);
  if (budget !== undefined) {
    if (typeof budget === "number" && Number.isFinite(budget) && budget >= 0) config.budgetUsd = budget;
    else problems.push({ key: SETTINGS.budgetUsd, message: `${SETTINGS.budgetUsd} must be a number ≥ 0 (0 means no cap)` });
  }

  return { config, problems };
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}
