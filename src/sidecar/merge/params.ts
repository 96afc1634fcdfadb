// Merge parameters in mergekit's shapes, resolved for one tensor.
//
// A value is a number, a boolean, a gradient (a list of numbers interpolated over the layers' depth), or a list
// of conditional entries `{filter, value}` whose first matching filter wins and whose filter-less entry is the
// default. mergekit matches filters against Hugging Face tensor names ("self_attn", "mlp"); GGUF files use
// llama.cpp's names ("attn_q", "ffn_up"), so a filter also matches through the alias table below — users keep
// the plans they already have.

import { safeMessage } from "../../core/quote";

export type Gradient = number[];
export type Scalar = number | boolean;
export interface ConditionalValue {
  filter?: string;
  value: Scalar | Gradient;
}
export type ParamValue = Scalar | Gradient | ConditionalValue[];
export type ParamMap = Record<string, ParamValue>;

export class MergeConfigError extends Error {
  override readonly name = "MergeConfigError";
  constructor(message: string) {
    // Quotes plan files and tensor names: escaped and capped.
    super(safeMessage(message));
  }
}

const HF_TO_GGUF: Record<string, string[]> = {
  self_attn: ["attn_"],
  mlp: ["ffn_"],
  embed_tokens: ["token_embd"],
  lm_head: ["output.weight"],
  input_layernorm: ["attn_norm"],
  post_attention_layernorm: ["ffn_norm"],
  q_proj: ["attn_q."],
  k_proj: ["attn_k."],
  v_proj: ["attn_v."],
  o_proj: ["attn_output"],
  gate_proj: ["ffn_gate"],
  up_proj: ["ffn_up"],
  down_proj: ["ffn_down"],
  layernorm: ["_norm"],
};

/** Does a plan's `filter` select this GGUF tensor? Substring match as in mergekit, plus the HF→GGUF aliases. */
export function filterMatches(filter: string, tensorName: string): boolean {
  if (tensorName.includes(filter)) return true;
  for (const [hf, ggufParts] of Object.entries(HF_TO_GGUF)) {
    if (filter.includes(hf) && ggufParts.some((g) => tensorName.includes(g))) return true;
  }
  return false;
}

/** Where a tensor sits in the network, 0 (embeddings) … 1 (output), for evaluating gradients. */
export interface TensorPosition {
  name: string;
  /** 0…1: block i of n is i/(n−1); token embeddings 0; output and final norm 1. */
  depth: number;
}

export function tensorPosition(name: string, blockCount: number): TensorPosition {
  const m = /^blk\.(\d+)\./.exec(name);
  if (m) {
    const layer = Number(m[1]);
    return { name, depth: blockCount > 1 ? Math.min(1, layer / (blockCount - 1)) : 0 };
  }
  // Non-block tensors: the input side (token embeddings, rope tables) at 0, the output side at 1.
  return { name, depth: name.startsWith("output") ? 1 : 0 };
}

/** Linear interpolation inside a gradient list at depth 0…1 (mergekit's anchors, evenly spread). */
export function evaluateGradient(g: Gradient, depth: number): number {
  if (g.length === 1) return g[0]!;
  const scaled = Math.max(0, Math.min(1, depth)) * (g.length - 1);
  const i0 = Math.floor(scaled);
  const i1 = Math.min(g.length - 1, i0 + 1);
  const frac = scaled - i0;
  return g[i0]! * (1 - frac) + g[i1]! * frac;
}

function isConditionalList(v: ParamValue): v is ConditionalValue[] {
  return Array.isArray(v) && v.length > 0 && typeof v[0] === "object";
}

/** Resolve a parameter value for one tensor; undefined when no conditional entry matches and none is a default. */
export function resolveValue(v: ParamValue, pos: TensorPosition): Scalar | undefined {
  if (typeof v === "number" || typeof v === "boolean") return v;
  if (isConditionalList(v)) {
    for (const entry of v) {
      if (entry.filter === undefined || filterMatches(entry.filter, pos.name)) return resolveValue(entry.value, pos);
    }
    return undefined;
  }
  return evaluateGradient(v as Gradient, pos.depth);
}

/**
 * Parameters for one tensor: a per-model value falls back to the global one, then to the method's default
 * (mergekit's lookup order).
 */
export class TensorParams {
  constructor(
    private readonly global: ParamMap,
    private readonly perModel: readonly ParamMap[],
    readonly pos: TensorPosition,
  ) {}

  private raw(key: string, modelIndex?: number): Scalar | undefined {
    if (modelIndex !== undefined) {
      const own = this.perModel[modelIndex]?.[key];
      if (own !== undefined) {
        const r = resolveValue(own, this.pos);
        if (r !== undefined) return r;
      }
    }
    const g = this.global[key];
    return g === undefined ? undefined : resolveValue(g, this.pos);
  }

  num(key: string, fallback: number, modelIndex?: number): number {
    const v = this.raw(key, modelIndex);
    if (v === undefined) return fallback;
    if (typeof v !== "number" || !Number.isFinite(v)) throw new MergeConfigError(`parameter "${key}" must be a number (tensor ${this.pos.name})`);
    return v;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (typeof v === "boolean") return v;
    if (typeof v === "number") return v !== 0;
    throw new MergeConfigError(`parameter "${key}" must be true or false`);
  }
}
