// chorus.sidecar.* settings → the JSON launch config the sidecar process reads (CHORUS_SIDECAR_CONFIG). The
// sidecar validates every field itself (src/sidecar/server/config.ts) and reports problems in its log; here the
// settings are only gathered. Only `import type` from vscode: unit-testable in plain Node.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { SETTINGS, type SettingsSource } from "./settings";

export interface SidecarLaunchSettings {
  enabled: boolean;
  /** The JSON the sidecar receives. */
  config: Record<string, unknown>;
}

export function sidecarLaunchSettings(source: SettingsSource, paths: { globalStorage: string; extensionRoot: string }): SidecarLaunchSettings {
  const demo = source.get<unknown>(SETTINGS.sidecarDemoModels) !== false;
  const corpora = join(paths.extensionRoot, "test", "fixtures", "corpora");
  return {
    enabled: source.get<unknown>(SETTINGS.sidecarEnabled) !== false,
    config: {
      modelFolders: source.get<unknown>(SETTINGS.sidecarModelFolders) ?? [],
      useOllamaModels: source.get<unknown>(SETTINGS.sidecarUseOllamaModels) !== false,
      memoryMb: source.get<unknown>(SETTINGS.sidecarMemoryMb),
      threads: source.get<unknown>(SETTINGS.sidecarThreads),
      lookahead: source.get<unknown>(SETTINGS.sidecarLookahead),
      gpu: source.get<unknown>(SETTINGS.sidecarGpu) === false ? false : "auto",
      presets: source.get<unknown>(SETTINGS.sidecarPresets) ?? {},
      adapters: source.get<unknown>(SETTINGS.sidecarAdapters) ?? {},
      cacheDir: paths.globalStorage,
      // The demo models live in the extension's global storage, written once; built from the shipped corpora
      // when the extension folder has them, else from the sidecar's built-in ones.
      ...(demo ? { demoCacheDir: paths.globalStorage, ...(existsSync(corpora) ? { corporaDir: corpora } : {}) } : {}),
    },
  };
}
