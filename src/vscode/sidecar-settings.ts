// chorus.sidecar.* settings → the JSON launch config the sidecar process reads (CHORUS_SIDECAR_CONFIG). The
// sidecar checks every field itself, by the one schema in src/sidecar/server/config.ts, and reports problems in
// its log; here the values are only gathered, as written. Only the two settings the extension acts on itself
// (enabled, demoModels) are read here. Only `import type` from vscode: unit-testable in plain Node.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { readSection, setting, type SettingProblem } from "../core/settings/section";
import { launchSettings } from "../sidecar/server/config";
import { settingsReader, type SettingsSource } from "./settings";

export interface SidecarLaunchSettings {
  enabled: boolean;
  /** The JSON the sidecar receives. */
  config: Record<string, unknown>;
  /** Bad values of the settings read here, each replaced by its default. */
  problems: string[];
}

export const EXTENSION_SIDECAR_SETTINGS = {
  enabled: setting(z.boolean(), true, "true or false"),
  demoModels: setting(z.boolean(), true, "true or false"),
};

/** The settings the sidecar checks itself, passed on as written. */
const PASSED_ON = ["modelFolders", "useOllamaModels", "memoryMb", "threads", "lookahead", "gpu", "presets", "adapters"] as const;

export function sidecarLaunchSettings(source: SettingsSource, paths: { globalStorage: string; extensionRoot: string }): SidecarLaunchSettings {
  const reader = settingsReader(source);
  const found: SettingProblem[] = [];
  const { enabled, demoModels } = readSection(EXTENSION_SIDECAR_SETTINGS, "sidecar", reader, found);
  const corpora = join(paths.extensionRoot, "test", "fixtures", "corpora");
  const config: Record<string, unknown> = Object.fromEntries(PASSED_ON.map((field) => [field, reader.get(`sidecar.${field}`)]));
  // The demo models live in the extension's global storage, written once; built from the shipped corpora
  // when the extension folder has them, else from the sidecar's built-in ones.
  // The sidecar keeps its verdicts on model files (loadable or not) in the extension's global storage.
  config.cacheDir = paths.globalStorage;
  if (demoModels) Object.assign(config, { demoCacheDir: paths.globalStorage, ...(existsSync(corpora) ? { corporaDir: corpora } : {}) });
  return { enabled, config, problems: found.map((p) => p.message) };
}

/** chorus.sidecar.modelFolders as the sidecar reads it (a bad value is the sidecar's to report: here, none). */
export function sidecarModelFolders(source: SettingsSource): string[] {
  const { modelFolders } = launchSettings(1);
  return readSection({ modelFolders }, "sidecar", settingsReader(source), []).modelFolders;
}
