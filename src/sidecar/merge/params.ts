// Merge parameters in mergekit's shapes, resolved for one tensor.
//
// A value is a number, a boolean, a gradient (a list of numbers interpolated over the layers' depth), or a list
// of conditional entries `{filter, value}` whose first matching filter wins and whose filter-less entry is the
// default. mergekit matches filters against Hugging Face tensor names ("self_attn", "mlp"); GGUF files use
// llama.cpp's names ("attn_q", "ffn_up"), so a filter is matched against each tensor's Hugging Face name
// (hf-names.ts) — users keep the plans they already have, with mergekit's results.
import { HF_NAME_PARTS, hfTensorName } from "./hf-names";

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

/**
 * Does a plan's `filter` select this tensor? As in mergekit: a substring of the tensor's Hugging Face name, or
 * "*". A filter that is no part of any Hugging Face name (e.g. "attn_q", "blk.3.") is matched against the GGUF
 * name instead, so plans written for GGUF files work too.
 */
export function filterMatches(filter: string, pos: Pick<TensorPosition, "name" | "hfName">): boolean {
  if (filter === "*") return true;
  const mergekitStyle = HF_NAME_PARTS.some((f) => f.includes(filter));
  if (mergekitStyle) return pos.hfName !== undefined && pos.hfName.includes(filter);
  return pos.name.includes(filter) || (pos.hfName?.includes(filter) ?? false);
}

/** Where a tensor sits in the network, for evaluating gradients, and its names for filters. */
export interface TensorPosition {
  name: string;
  /** Its Hugging Face name (what mergekit's filters see), when known. */
  hfName?: string;
  /** 0…1: block i of n is i/(n−1) (1 for a one-block model); every tensor outside the blocks 0. */
  depth: number;
}

/**
 * mergekit evaluates gradients at t = i/(n−1) for layer i of n, t = 1 when there is one layer, and t = 0 for the
 * tensors before and after the layers — embeddings, final norm and lm_head alike (mergekit/plan.py: plan_slice,
 * and plan_module's pre_weights/post_weights read with the t = 0 ConfigReader).
 */
export function tensorPosition(name: string, blockCount: number, arch = ""): TensorPosition {
  const hfName = hfTensorName(name, arch);
  const m = /^blk\.(\d+)\./.exec(name);
  if (!m) return { name, hfName, depth: 0 };
  const layer = Number(m[1]);
  return { name, hfName, depth: blockCount > 1 ? Math.min(1, layer / (blockCount - 1)) : 1 };
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
      if (entry.filter === undefined || filterMatches(entry.filter, pos)) return resolveValue(entry.value, pos);
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
