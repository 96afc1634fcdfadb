// Builds the engine for a CLI command: the config file (or, with none, the models Ollama already has),
// API keys from the environment, the ledger in the user's data dir.
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApiCollab, type ApiCollabOptions } from "../core/collab/api/api-collab";
import { registerApiModes } from "../core/collab/api/modes";
import { discoverOllamaModels, markOllamaCloudModels } from "../core/discovery";
import { createEngine, type Engine } from "../core/engine";
import { createProvider } from "../core/providers/factory";
import { cliDataDir, envSecret, loadConfigFile } from "./config-file";

export interface CliEngine {
  engine: Engine;
  configPath?: string;
  /** True when the models came from Ollama discovery rather than a config file. */
  discovered: boolean;
  /** The user's routing state (route, cascade and what reviews teach the router). */
  collab: ApiCollab;
}

export async function cliEngine(program: Command): Promise<CliEngine> {
  const { config: configOpt } = program.opts<{ config?: string }>();
  const { config, path } = loadConfigFile(configOpt);
  let discovered = false;
  if (config.models.length === 0) {
    config.models = await discoverOllamaModels(config.ollamaUrl);
    discovered = config.models.length > 0;
  } else {
    config.models = await markOllamaCloudModels(config.models, config.ollamaUrl);
  }
  // Route / cascade / fallback learn per user; the CLI keeps that state beside its ledger.
  const collab = new ApiCollab(join(cliDataDir(), "routing"), routingOptions(path), (m) => console.error(`chorus: ${m}`));
  const engine = createEngine({
    config,
    providerFactory: (m, key) => createProvider(m, key, { ollamaUrl: config.ollamaUrl, sidecar: sidecarFromEnv }),
    secrets: envSecret,
    ledgerDir: join(cliDataDir(), "ledger"),
    registerModes: [(modes) => registerApiModes(modes, collab)],
    onNotice: (m) => console.error(`chorus: ${m}`),
  });
  return { engine, configPath: path, discovered, collab };
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

/** The config file's optional "routing" section, shaped like the chorus.routing.* settings. */
function routingOptions(configPath: string | undefined): Partial<ApiCollabOptions> {
  if (!configPath) return {};
  const raw = (JSON.parse(readFileSync(configPath, "utf8")) as { routing?: unknown }).routing;
  if (raw === undefined) return {};
  if (typeof raw !== "object" || raw === null) throw new Error(`${configPath}: "routing" must be an object`);
  const r = raw as Record<string, unknown>;
  const out: Partial<ApiCollabOptions> = {};
  if (r.strongShare !== undefined) {
    if (typeof r.strongShare !== "number" || r.strongShare < 0 || r.strongShare > 1) throw new Error(`${configPath}: "routing.strongShare" must be a number from 0 to 1`);
    out.strongShare = r.strongShare;
  }
  if (r.fallbackChain !== undefined) {
    if (!Array.isArray(r.fallbackChain) || r.fallbackChain.some((x) => typeof x !== "string")) throw new Error(`${configPath}: "routing.fallbackChain" must be a list of model ids`);
    out.fallbackChain = r.fallbackChain as string[];
  }
  for (const k of ["cheapModel", "strongModel"] as const) {
    const v = r[k];
    if (v === undefined) continue;
    if (typeof v !== "string") throw new Error(`${configPath}: "routing.${k}" must be a model id`);
    out[k] = v;
  }
  if (r.learn !== undefined) out.learn = r.learn === true;
  return out;
}
