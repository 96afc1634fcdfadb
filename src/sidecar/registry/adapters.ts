// Models served with GGUF LoRA adapters attached at load time (chorus.sidecar.adapters): the cheap weight-level
// mix, W + Σ scale·(alpha/rank)·B·A, without writing a merged file. Each entry is its own model id in /v1/models.
// Adapter files are checked here before llama.cpp reads them: its loader asserts (kills the process) when
// general.type, adapter.type or adapter.lora.alpha has the wrong GGUF type, and a wrong-shaped pair would be
// refused only after the base model is loaded.
import { getNumber, getString } from "../gguf/metadata";
import { readGgufHeader } from "../gguf/reader";
import { GgmlType, GgufError, GgufValueType, ggmlTypeName, type GgufHeader } from "../gguf/types";

export interface AdapterRef {
  path: string;
  /** The runtime multiplier llama.cpp applies on top of alpha/rank; 0 leaves the base model unchanged. */
  scale: number;
}

export interface AdaptedModelSpec {
  /** The id it is served under. */
  name: string;
  /** The id of the base model (a folder or Ollama model). */
  base: string;
  adapters: AdapterRef[];
}

const NAME = /^[a-z0-9][a-z0-9._:/-]{0,127}$/i;
/** Types llama.cpp multiplies on every backend without surprises; adapters from convert_lora_to_gguf use these. */
const ADAPTER_TYPES = new Set<GgmlType>([GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0]);

/** {name: {base, adapters: [{path, scale}]}}; a broken entry is reported and skipped, the others still served. */
export function parseAdaptedModels(raw: unknown, where = "chorus.sidecar.adapters"): { models: AdaptedModelSpec[]; problems: string[] } {
  const models: AdaptedModelSpec[] = [];
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { models, problems };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return { models, problems: [`${where} must be an object like {"my-model": {"base": "model-id", "adapters": [{"path": "/x/lora.gguf", "scale": 0.5}]}}.`] };
  }
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    const at = `${where}.${name}`;
    if (!NAME.test(name)) {
      problems.push(`${where}: the model name "${name}" may use only letters, digits, ".", "_", ":", "/" and "-".`);
      continue;
    }
    if (name.startsWith("chorus/")) {
      problems.push(`${where}: "${name}" starts with "chorus/", which names mixing presets; choose another name.`);
      continue;
    }
    const v = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
    if (typeof v.base !== "string" || v.base.trim() === "") {
      problems.push(`${at}.base must name the model the adapters attach to.`);
      continue;
    }
    if (!Array.isArray(v.adapters) || v.adapters.length === 0) {
      problems.push(`${at}.adapters must be a non-empty list of {"path": "…", "scale": number}.`);
      continue;
    }
    const adapters: AdapterRef[] = [];
    for (const [i, a] of (v.adapters as unknown[]).entries()) {
      const r = (typeof a === "object" && a !== null ? a : {}) as Record<string, unknown>;
      const scale = r.scale ?? 1;
      if (typeof r.path !== "string" || r.path.trim() === "") problems.push(`${at}.adapters[${i}].path must be the path of a GGUF LoRA adapter.`);
      else if (typeof scale !== "number" || !Number.isFinite(scale) || Math.abs(scale) > 100)
        problems.push(`${at}.adapters[${i}].scale must be a number from -100 to 100.`);
      else adapters.push({ path: r.path, scale });
    }
    if (adapters.length === v.adapters.length) models.push({ name, base: v.base, adapters });
  }
  return { models, problems };
}

/** Throws a GgufError naming the first reason llama.cpp would refuse (or crash on) `adapterPath` for this base. */
export async function validateLoraAdapter(adapterPath: string, base: GgufHeader): Promise<void> {
  function fail(why: string): never {
    throw new GgufError(`is not a usable LoRA adapter for this model: ${why}`, adapterPath);
  }
  const h = await readGgufHeader(adapterPath);
  const m = h.metadata;
  const str = (key: string): string | undefined => {
    const v = m.get(key);
    if (v && v.type !== GgufValueType.STRING) fail(`${key} must be a string`);
    return getString(m, key);
  };
  if (str("general.type") !== "adapter")
    fail(`general.type is ${JSON.stringify(str("general.type") ?? null)}, not "adapter" (is this a model rather than an adapter?)`);
  if (str("adapter.type") !== "lora") fail(`adapter.type is ${JSON.stringify(str("adapter.type") ?? null)}; only "lora" adapters are supported`);
  const arch = str("general.architecture");
  const baseArch = getString(base.metadata, "general.architecture");
  if (arch !== baseArch) fail(`it is for the "${arch ?? "?"}" architecture, the base model is "${baseArch ?? "?"}"`);
  const alpha = m.get("adapter.lora.alpha");
  if (alpha && alpha.type !== GgufValueType.FLOAT32) fail("adapter.lora.alpha must be a float32");
  if (alpha && !Number.isFinite(getNumber(m, "adapter.lora.alpha"))) fail("adapter.lora.alpha is not a finite number");

  const baseTensors = new Map(base.tensors.map((t) => [t.name, t]));
  const pairs = new Map<string, { a?: GgufHeader["tensors"][number]; b?: GgufHeader["tensors"][number] }>();
  for (const t of h.tensors) {
    if (t.name.endsWith("_norm.weight")) continue; // llama.cpp skips these
    const match = /^(.*)\.lora_([ab])$/.exec(t.name);
    if (!match) fail(`tensor ${t.name} is neither a .lora_a nor a .lora_b tensor`);
    if (!ADAPTER_TYPES.has(t.type)) fail(`tensor ${t.name} is ${ggmlTypeName(t.type)}; adapters must be F32, F16, BF16 or Q8_0`);
    const [, target = "", side] = match;
    const pair = pairs.get(target) ?? {};
    pair[side as "a" | "b"] = t;
    pairs.set(target, pair);
  }
  if (pairs.size === 0) fail("it has no LoRA tensors");
  for (const [target, { a, b }] of pairs) {
    if (!a || !b) fail(`${target} has a lora_${a ? "a" : "b"} tensor but no lora_${a ? "b" : "a"}`);
    const w = baseTensors.get(target);
    if (!w) fail(`it adapts ${target}, which the base model does not have (an adapter for another model?)`);
    const [inDim, outDim] = w.dims;
    const [aIn, aRank] = a.dims;
    const [bRank, bOut] = b.dims;
    const flipped = target.endsWith("token_embd.weight"); // llama.cpp expects A and B swapped for embeddings
    const ok =
      a.dims.length === 2 && b.dims.length === 2 && (flipped ? inDim === bOut && outDim === aRank : inDim === aIn && outDim === bOut && aRank === bRank);
    if (!ok)
      fail(
        `${target} is [${w.dims.join(", ")}] in the base model but the adapter's A is [${a.dims.join(", ")}] and B [${b.dims.join(", ")}] (an adapter for another model size?)`,
      );
  }
}

/**
 * `chorus serve --adapter NAME=BASE,PATH[@SCALE][,PATH[@SCALE]…]` as one chorus.sidecar.adapters entry. Commas
 * separate the parts because model names (Ollama's "qwen2.5-coder:7b") and Windows paths contain colons.
 */
export function parseAdapterFlag(flag: string): [string, { base: string; adapters: { path: string; scale: number }[] }] {
  const usage = `--adapter expects NAME=BASE,PATH[@SCALE][,PATH[@SCALE]…], e.g. my-tuned=qwen2.5-coder:7b,./lora.gguf@0.5; got "${flag}"`;
  const eq = flag.indexOf("=");
  const [base, ...paths] = flag.slice(eq + 1).split(",");
  if (eq <= 0 || !base || paths.length === 0) throw new Error(usage);
  const adapters = paths.map((p) => {
    const m = /^(.*?)(?:@(-?[0-9.]+(?:e-?\d+)?))?$/i.exec(p.trim());
    const scale = m?.[2] === undefined ? 1 : Number(m[2]);
    if (!m?.[1] || !Number.isFinite(scale)) throw new Error(usage);
    return { path: m[1], scale };
  });
  return [flag.slice(0, eq), { base, adapters }];
}
