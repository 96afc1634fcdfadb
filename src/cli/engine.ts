// Builds the engine for a CLI command: the config file (or, with none, the models Ollama already has),
// API keys from the environment, the ledger in the user's data dir, and the mixing presets of the sidecar that
// CHORUS_SIDECAR_URL/TOKEN name (`chorus serve` prints them) as `mix:<preset>` modes.
import type { Command } from "commander";
import { join } from "node:path";
import { ApiCollab } from "../core/collab/api/api-collab";
import { discoverOllamaModels, markOllamaCloudModels } from "../core/discovery";
import { createEngine, type Engine } from "../core/engine";
import { createProvider } from "../core/providers/factory";
import type { ReviewSettings } from "../core/settings/review";
import { cliDataDir, envSecret, loadConfigFile } from "./config-file";

export interface CliEngine {
  engine: Engine;
  configPath?: string;
  /** True when the models came from Ollama discovery rather than a config file. */
  discovered: boolean;
  /** The user's routing state (route, cascade and what reviews teach the router). */
  collab: ApiCollab;
  /** The config file's "review" section (participants, rounds, judge), defaults where it has none. */
  review: ReviewSettings;
}

export async function cliEngine(program: Command, opts: { sidecarPresets?: boolean } = {}): Promise<CliEngine> {
  const { config: configOpt } = program.opts<{ config?: string }>();
  const { config, routing, review, problems, path } = loadConfigFile(configOpt);
  for (const p of problems) console.error(`chorus: ${p}`);
  let discovered = false;
  if (config.models.length === 0) {
    config.models = await discoverOllamaModels(config.ollamaUrl);
    discovered = config.models.length > 0;
  } else {
    config.models = await markOllamaCloudModels(config.models, config.ollamaUrl);
  }
  // Route / cascade / fallback learn per user; the CLI keeps that state beside its ledger.
  const collab = new ApiCollab(join(cliDataDir(), "routing"), routing, (m) => console.error(`chorus: ${m}`));
  const engine = createEngine({
    config,
    providerFactory: (m, key) => createProvider(m, key, { ollamaUrl: config.ollamaUrl, sidecar: sidecarFromEnv }),
    secrets: envSecret,
    ledgerDir: join(cliDataDir(), "ledger"),
    collab,
    sidecar: sidecarFromEnv,
    onNotice: (m) => console.error(`chorus: ${m}`),
  });
  if (opts.sidecarPresets) await learnPresets(engine);
  return { engine, configPath: path, discovered, collab, review };
}

/** The sidecar's presets become modes; a sidecar that does not answer costs its modes, not the command. */
async function learnPresets(engine: Engine): Promise<void> {
  if (!sidecarFromEnv()) return;
  try {
    const { problems } = await engine.learnSidecarPresets();
    for (const p of problems) console.error(`chorus: sidecar: ${p}`);
  } catch (e) {
    console.error(
      `chorus: no mixing modes: the sidecar at ${process.env.CHORUS_SIDECAR_URL} did not list its presets (${e instanceof Error ? e.message : String(e)}). Start it with \`chorus serve\` and export the CHORUS_SIDECAR_URL/TOKEN it prints.`,
    );
  }
}

/** `chorus serve` prints these; another shell can export them to reach that sidecar. */
function sidecarFromEnv(): { url: string; token: string } | undefined {
  const url = process.env.CHORUS_SIDECAR_URL;
  const token = process.env.CHORUS_SIDECAR_TOKEN;
  return url && token ? { url, token } : undefined;
}

/** Ctrl-C cancels the running request instead of killing the process mid-write. */
export function interruptSignal(): AbortSignal {
  const ctl = new AbortController();
  process.once("SIGINT", () => ctl.abort());
  return ctl.signal;
}
