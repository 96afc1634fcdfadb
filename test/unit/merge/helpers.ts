// Shared helpers for the merge tests: deterministic random tensors and jobs.
import { TensorParams, tensorPosition, type ParamMap } from "../../../src/sidecar/merge/params";
import { tensorRng } from "../../../src/sidecar/merge/rng";
import { mulberry32 } from "../../../src/sidecar/random";
import type { TensorJob } from "../../../src/sidecar/merge/methods";

export function randomTensor(n: number, seed: number, scale = 1): Float32Array {
  const r = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 2 - 1) * scale;
  return out;
}

/** `base` plus a small random offset: a stand-in for a fine-tune of `base`. */
export function fineTune(base: Float32Array, seed: number, scale = 0.1): Float32Array {
  const d = randomTensor(base.length, seed, scale);
  return base.map((v, i) => v + d[i]!);
}

export function job(opts: {
  name?: string;
  rowLength?: number;
  models: Float32Array[];
  base?: Float32Array;
  global?: ParamMap;
  perModel?: ParamMap[];
  blocks?: number;
  seed?: number;
}): TensorJob {
  const name = opts.name ?? "blk.0.attn_q.weight";
  return {
    name,
    rowLength: opts.rowLength ?? opts.models[0]!.length,
    offset: 0,
    models: opts.models,
    base: opts.base,
    params: new TensorParams(opts.global ?? {}, opts.perModel ?? [], tensorPosition(name, opts.blocks ?? 1)),
    rng: (i) => tensorRng(opts.seed ?? 0, name, i),
  };
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5, what = "value"): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} ≠ ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)))) throw new Error(`${what}[${i}]: got ${a}, expected ${e} (tol ${tol})`);
  }
}
