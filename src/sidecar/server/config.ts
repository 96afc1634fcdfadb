// The sidecar's launch configuration, from untrusted JSON (the CHORUS_SIDECAR_CONFIG environment variable the
// extension sets from settings, or the CLI's flags). Every field is checked; a bad one gets a message naming the
// setting, and a default, so the sidecar still starts and serves what it can. The schema below is the one place
// the chorus.sidecar.* values are checked and their defaults kept (the extension only gathers them).

import { z } from "zod";
import { readSection, setting, type SettingProblem } from "../../core/settings/section";
import { DEFAULT_LOOKAHEAD, MAX_LOOKAHEAD } from "../mixing/lookahead";

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

export const SIDECAR_DEFAULTS = { memoryMb: 8192, threads: 4, maxContext: 4096, topK: 64 } as const;

export function defaultThreads(cores: number): number {
  // Leave the editor a core; llama.cpp's own default (max(4, cores)) oversubscribes small machines.
  return Math.max(1, Math.min(8, cores - 1));
}

/** A whole number in [min, max]; 0 means "the default" (the settings' own default for threads is 0 = automatic). */
const count = (min: number, max: number, fallback: number) =>
  setting(z.union([z.literal(0).transform(() => fallback), z.number().int().min(min).max(max)]), fallback, `a whole number from ${min} to ${max}`);
const path = z.string().transform((s) => s.trim() || undefined);

/** The chorus.sidecar.* settings the sidecar reads, plus what its launcher adds (ollamaDir, demo folders, port). */
export function launchSettings(cores: number) {
  return {
    modelFolders: setting(
      z.array(z.string()).transform((fs) => fs.filter((f) => f.trim() !== "")),
      () => [],
      "a list of folder paths",
    ),
    useOllamaModels: setting(z.boolean(), true, "true or false"),
    ollamaDir: setting(path, undefined, "a folder path"),
    memoryMb: count(64, 1_048_576, SIDECAR_DEFAULTS.memoryMb),
    threads: count(1, 256, defaultThreads(cores)),
    // Unlike the other numbers, 0 is a value here (off), not "the default".
    lookahead: setting(z.number().int().min(0).max(MAX_LOOKAHEAD), DEFAULT_LOOKAHEAD, `a whole number from 0 to ${MAX_LOOKAHEAD}`),
    // The setting is a boolean; "auto" is what the launch JSON carries for true.
    gpu: setting(z.union([z.literal(false), z.literal(true).transform(() => "auto" as const), z.literal("auto")]), "auto" as const, "true or false"),
    maxContext: count(64, 1_048_576, SIDECAR_DEFAULTS.maxContext),
    presets: setting(z.unknown(), () => ({}), "an object of presets"),
    adapters: setting(z.unknown(), () => ({}), "an object of adapted models"),
    demoCacheDir: setting(path, undefined, "a folder path"),
    cacheDir: setting(path, undefined, "a folder path"),
    corporaDir: setting(path, undefined, "a folder path"),
    port: setting(
      z
        .number()
        .int()
        .min(0)
        .max(65535)
        .transform((p) => p || undefined),
      undefined,
      "a port number from 1 to 65535",
    ),
  };
}

/** Launch-only fields are not settings: their problems name them as they are. */
const LAUNCH_ONLY = new Set(["ollamaDir", "demoCacheDir", "cacheDir", "corporaDir", "port"]);

export function parseLaunchConfig(raw: unknown, cores: number): { config: LaunchConfig; problems: string[] } {
  const found: SettingProblem[] = [];
  const isObject = typeof raw === "object" && raw !== null && !Array.isArray(raw);
  const r = isObject ? (raw as Record<string, unknown>) : {};
  const reader = { get: (field: string) => r[field], name: (field: string) => (LAUNCH_ONLY.has(field) ? field : `chorus.sidecar.${field}`) };
  const config: LaunchConfig = readSection(launchSettings(cores), "", reader, found);
  const problems = found.map((p) => p.message);
  if (raw !== undefined && !isObject) problems.unshift("The sidecar configuration must be a JSON object; using defaults.");
  return { config, problems };
}
