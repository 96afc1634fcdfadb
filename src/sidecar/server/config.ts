// The sidecar's launch configuration, from untrusted JSON (the CHORUS_SIDECAR_CONFIG environment variable the
// extension sets from settings, or the CLI's flags). Every field is checked; a bad one gets a message naming the
// setting, and a default, so the sidecar still starts and serves what it can.

import { checkLookahead, DEFAULT_LOOKAHEAD, MAX_LOOKAHEAD } from "../mixing/lookahead";
import { SIDECAR_DEFAULTS } from "./start";

export interface LaunchConfig {
  modelFolders: string[];
  useOllamaModels: boolean;
  /** Ollama's store; default $OLLAMA_MODELS or ~/.ollama/models. */
  ollamaDir?: string;
  memoryMb: number;
  /** CPU threads per model context; always explicit (notes/node-llama-cpp.md). */
  threads: number;
  /** Draft tokens an evaluation checks (lookahead decoding), 0 = off. */
  lookahead: number;
  gpu: "auto" | false;
  maxContext: number;
  /** Presets from settings: {name: {strategy, …}}. */
  presets?: unknown;
  /** chorus.sidecar.adapters, checked by parseAdaptedModels when the sidecar starts. */
  adapters?: unknown;
  /** Generate and serve the demo models from this cache folder. */
  demoCacheDir?: string;
  /** The sidecar's own cache folder (which model files were proven loadable); none: remembered until it stops. */
  cacheDir?: string;
  /** The corpora the demo models are trained on (test/fixtures/corpora in the extension's folder). */
  corporaDir?: string;
  port?: number;
}

/** chorus.sidecar.lookahead; unlike the other numbers, 0 is a value (off), not "the default". */
function lookaheadSetting(v: unknown, problems: string[]): number {
  if (v === undefined || v === null) return DEFAULT_LOOKAHEAD;
  try {
    return checkLookahead(v);
  } catch {
    problems.push(`chorus.sidecar.lookahead must be a whole number from 0 to ${MAX_LOOKAHEAD}, not ${JSON.stringify(v)}; using ${DEFAULT_LOOKAHEAD}.`);
    return DEFAULT_LOOKAHEAD;
  }
}

export function defaultThreads(cores: number): number {
  // Leave the editor a core; llama.cpp's own default (max(4, cores)) oversubscribes small machines.
  return Math.max(1, Math.min(8, cores - 1));
}

export function parseLaunchConfig(raw: unknown, cores: number): { config: LaunchConfig; problems: string[] } {
  const problems: string[] = [];
  const r = typeof raw === "object" && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  if (raw !== undefined && r !== raw) problems.push("The sidecar configuration must be a JSON object; using defaults.");
  const int = (key: string, setting: string, min: number, max: number, dflt: number): number => {
    const v = r[key];
    if (v === undefined || v === null || v === 0) return dflt;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      problems.push(`${setting} must be a whole number from ${min} to ${max}, not ${JSON.stringify(v)}; using ${dflt}.`);
      return dflt;
    }
    return v;
  };
  const folders = r.modelFolders ?? [];
  let modelFolders: string[] = [];
  if (Array.isArray(folders) && folders.every((f) => typeof f === "string")) modelFolders = folders.filter((f) => f.trim() !== "");
  else problems.push("chorus.sidecar.modelFolders must be a list of folder paths; ignoring it.");
  const str = (key: string) => (typeof r[key] === "string" && (r[key] as string).trim() !== "" ? (r[key] as string) : undefined);
  return {
    config: {
      modelFolders,
      useOllamaModels: r.useOllamaModels !== false,
      ollamaDir: str("ollamaDir"),
      memoryMb: int("memoryMb", "chorus.sidecar.memoryMb", 64, 1_048_576, SIDECAR_DEFAULTS.memoryMb),
      threads: int("threads", "chorus.sidecar.threads", 1, 256, defaultThreads(cores)),
      lookahead: lookaheadSetting(r.lookahead, problems),
      gpu: r.gpu === false ? false : "auto",
      maxContext: int("maxContext", "chorus.sidecar.maxContext", 64, 1_048_576, SIDECAR_DEFAULTS.maxContext),
      presets: r.presets,
      adapters: r.adapters,
      demoCacheDir: str("demoCacheDir"),
      cacheDir: str("cacheDir"),
      corporaDir: str("corporaDir"),
      port: int("port", "port", 1, 65535, 0) || undefined,
    },
    problems,
  };
}
