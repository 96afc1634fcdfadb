// Every `chorus.*` setting the extension reads, as typed keys in one place, and the mapping from settings to
// the engine's ChorusConfig. A test checks that SETTINGS and package.json `contributes.configuration` agree, so a
// feature that adds a setting adds its key here AND its schema (with a description) to package.json.
//
// Only `import type` from vscode: this module is also unit-tested in plain Node.
import type * as vscode from "vscode";
import { z } from "zod";
import { readChorusConfig, type ChorusConfig } from "../core/config";
import { readSection, setting, vscodeSettingsReader, type SettingProblem, type SettingsReader } from "../core/settings/section";

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

/** Settings the editor alone has (the CLI's config file has no such keys). */
export const EDITOR_SETTINGS = {
  discoverOllama: setting(z.boolean(), true, "true or false"),
};

/**
 * Settings → ChorusConfig, by the schemas in src/core/settings. A bad value never stops Chorus: the default is
 * used for that key and the problem is returned so the host can tell the user which setting to fix (the settings
 * themselves are left untouched).
 */
export function readConfig(source: SettingsSource): { config: ChorusConfig; discoverOllama: boolean; problems: SettingsProblem[] } {
  const found: SettingProblem[] = [];
  const reader = settingsReader(source);
  const config = readChorusConfig(reader, found);
  const { discoverOllama } = readSection(EDITOR_SETTINGS, "", reader, found);
  return { config, discoverOllama, problems: found.map((p) => ({ key: p.setting as SettingKey, message: p.message })) };
}

/** The chorus.* settings as the section schemas read them. */
export function settingsReader(source: SettingsSource): SettingsReader {
  return vscodeSettingsReader((key) => source.get<unknown>(key));
}
