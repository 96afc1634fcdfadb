// Collaboration strategies as named virtual models: "chorus/<preset>" in /v1/models, usable by any OpenAI client.
// A preset is a MixSpec from settings (chorus.sidecar.presets) or the built-in demo set; a request may override
// its numeric parameters with `"chorus": {...}` in the body, validated by the mixing engineer's parseMixSpec.

import { parseMixSpec, mixSpecModels, type MixSpec } from "./mixing/spec";
import { badRequest, notFound } from "./server/errors";

export const VIRTUAL_PREFIX = "chorus/";

export interface Preset {
  /** Without the prefix: "contrastive-ts". */
  name: string;
  description: string;
  spec: MixSpec;
}

export function isVirtualModel(id: string): boolean {
  return id.startsWith(VIRTUAL_PREFIX);
}

/**
 * Presets from settings: an object {name: {description?, strategy, …MixSpec}}. A broken entry is reported and
 * skipped so that one typo does not take the other presets away.
 */
export function parsePresets(raw: unknown, where = "chorus.sidecar.presets"): { presets: Preset[]; problems: string[] } {
  const presets: Preset[] = [];
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { presets, problems };
  if (typeof raw !== "object" || Array.isArray(raw))
    return { presets, problems: [`${where} must be an object of named presets, like {"my-mix": {"strategy": "product", …}}.`] };
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!/^[a-z0-9][a-z0-9._-]{0,63}$/i.test(name)) {
      problems.push(`${where}: the preset name "${name}" may use only letters, digits, ".", "_" and "-".`);
      continue;
    }
    try {
      const { description, ...spec } = (value ?? {}) as Record<string, unknown>;
      presets.push({
        name,
        description: typeof description === "string" ? description : describe(parseMixSpec(spec, `${where}.${name}`)),
        spec: parseMixSpec(spec, `${where}.${name}`),
      });
    } catch (e) {
      problems.push(e instanceof Error ? e.message : String(e));
    }
  }
  return { presets, problems };
}

/** What `chorus serve --preset` expects (also in its --help and the README). */
export const PRESET_FLAG_SYNTAX = `NAME='{"strategy":"contrastive","expert":"qwen2.5-coder:7b","amateur":"qwen2.5-coder:0.5b"}'`;

/**
 * `--preset NAME=JSON` flags, parsed like chorus.sidecar.presets (parsePresets). A flag is typed on purpose, so a
 * broken one is an error naming the flag, not a warning; a later flag of the same name wins.
 */
export function presetsFromFlags(flags: readonly string[]): Preset[] {
  const byName: Record<string, unknown> = {};
  for (const flag of flags) {
    const eq = flag.indexOf("=");
    const name = flag.slice(0, eq).trim();
    if (eq <= 0 || !name) throw new Error(`--preset expects NAME=JSON, e.g. --preset ${PRESET_FLAG_SYNTAX}; got "${flag}"`);
    try {
      byName[name] = JSON.parse(flag.slice(eq + 1));
    } catch (e) {
      throw new Error(`--preset ${name}: the mix spec is not valid JSON (${(e as Error).message}); e.g. --preset ${PRESET_FLAG_SYNTAX}`);
    }
  }
  const { presets, problems } = parsePresets(byName, "--preset");
  if (problems.length) throw new Error(problems.join("\n"));
  return presets;
}

export function describe(spec: MixSpec): string {
  switch (spec.strategy) {
    case "contrastive":
      return `Contrastive decoding: ${spec.expert} minus ${spec.amateur}`;
    case "dexperts":
      return `DExperts: ${spec.base} steered by ${spec.expert} against ${spec.antiExpert}`;
    case "proxy-tuning":
      return `Proxy-tuning: ${spec.large} + (${spec.tuned} − ${spec.untuned})`;
    case "product":
      return `Product of experts: ${spec.models.map((m) => m.model).join(" × ")}`;
    case "context-contrastive":
      return `Context-contrastive decoding on ${spec.model}`;
    case "deferral":
      return `Token-level deferral: ${spec.small} writes, ${spec.large} takes over when unsure`;
  }
}

/** User presets win over built-in ones of the same name. */
export function mergePresets(builtIn: readonly Preset[], user: readonly Preset[]): Preset[] {
  const names = new Set(user.map((p) => p.name));
  return [...user, ...builtIn.filter((p) => !names.has(p.name))];
}

/** The spec a request runs: the preset's, with the request's `chorus` parameters laid over it. */
export function resolvePreset(presets: readonly Preset[], id: string, overrides: Record<string, unknown> | undefined): MixSpec {
  const name = id.slice(VIRTUAL_PREFIX.length);
  const preset = presets.find((p) => p.name === name);
  if (!preset) {
    const known = presets.map((p) => VIRTUAL_PREFIX + p.name).join(", ") || "none";
    throw notFound(`There is no virtual model "${id}". Known: ${known}. Define presets in chorus.sidecar.presets.`);
  }
  if (!overrides) return preset.spec;
  try {
    return parseMixSpec({ ...preset.spec, ...overrides }, `"chorus" parameters for ${id}`);
  } catch (e) {
    throw badRequest(e instanceof Error ? e.message : String(e), "chorus");
  }
}

export function presetModels(p: Preset): string[] {
  return [...new Set(mixSpecModels(p.spec))];
}
