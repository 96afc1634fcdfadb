// Everything a running sidecar is, started from one validated config: the model registry, the presets, and the
// HTTP server. Shared by the sidecar process (src/sidecar/main.ts), `chorus serve`, and the tests.

import { ChatTemplates } from "../generation/chat-templates";
import { IsolatedHelper } from "../isolate/helper";
import { DEFAULT_LOOKAHEAD } from "../mixing/lookahead";
import { mergePresets, parsePresets, type Preset } from "../presets";
import { parseAdaptedModels } from "../registry/adapters";
import { ModelRegistry } from "../registry/registry";
import type { GgufValidator } from "../registry/validate";
import { SIDECAR_DEFAULTS, type LaunchConfig } from "./config";
import type { SidecarServices } from "./generation-service";
import { startHttpServer, type SidecarServer } from "./http";
import { MixerCache } from "./mixer-cache";

/** The launch settings (checked by parseLaunchConfig) plus what only the process that starts the sidecar knows. */
export interface SidecarConfig extends Omit<LaunchConfig, "demoCacheDir" | "corporaDir" | "lookahead"> {
  /** Draft tokens an evaluation checks; default DEFAULT_LOOKAHEAD. */
  lookahead?: number;
  token: string;
  /** Built-in presets (the demo set), overridden by same-named user presets. */
  builtInPresets?: Preset[];
  topK?: number;
  validate?: GgufValidator;
  log?: (message: string) => void;
  /** Time a client has to send a whole request (http.ts REQUEST_TIMEOUT_MS by default). */
  requestTimeoutMs?: number;
}

export interface RunningSidecar extends SidecarServer {
  registry: ModelRegistry;
  presets: Preset[];
  /** Problems with the configuration (a bad preset, a missing folder): shown, never fatal. */
  problems(): string[];
  stop(): Promise<void>;
}

export async function startSidecar(config: SidecarConfig): Promise<RunningSidecar> {
  const adapted = parseAdaptedModels(config.adapters);
  const registry = new ModelRegistry({
    folders: config.modelFolders,
    useOllama: config.useOllamaModels,
    ollamaDir: config.ollamaDir,
    memoryMb: config.memoryMb,
    threads: config.threads,
    gpu: config.gpu,
    maxContext: config.maxContext,
    adapted: adapted.models,
    validate: config.validate,
    cacheDir: config.cacheDir,
    log: config.log,
  });
  registry.warmUp();
  const user = parsePresets(config.presets);
  const presets = mergePresets(config.builtInPresets ?? [], user.presets);
  const configProblems = [...user.problems, ...adapted.problems];
  for (const p of configProblems) config.log?.(p);
  // Its own helper process: a slow template never waits behind a model being tested, nor the other way round.
  // Kept for five idle minutes: a chat (Ask, review) comes in bursts, and a fresh helper takes a second to start.
  const chatTemplates = new ChatTemplates(new IsolatedHelper({ log: config.log, idleMs: 300_000 }));
  const mixers = new MixerCache(registry, { chatTemplates });
  const svc: SidecarServices = {
    registry,
    presets: () => presets,
    topK: config.topK ?? SIDECAR_DEFAULTS.topK,
    lookahead: config.lookahead ?? DEFAULT_LOOKAHEAD,
    mixers,
    chatTemplates,
    configProblems,
  };
  const server = await startHttpServer(svc, { token: config.token, port: config.port, log: config.log, requestTimeoutMs: config.requestTimeoutMs });
  return {
    ...server,
    registry,
    presets,
    problems: () => [...configProblems, ...registry.problems()],
    async stop() {
      await server.close();
      await mixers.dispose();
      await chatTemplates.dispose();
      await registry.dispose();
    },
  };
}
