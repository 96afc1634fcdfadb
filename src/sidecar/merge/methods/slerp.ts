// slerp: spherical interpolation between the base model (t = 0) and one other model (t = 1), over each tensor
// flattened. The angle comes from the normalized tensors, the result mixes the original ones; nearly parallel
// tensors (|cos| > 0.9995) fall back to linear interpolation, where the sine formula loses precision.
import type { MergeMethod, TensorJob } from "./types";

const DOT_THRESHOLD = 0.9995;
const EPS = 1e-8;

/** stats = [|v0|², |v1|², v0·v1], summed element by element in order. */
function accumulate(v0: Float32Array, v1: Float32Array, stats: Float64Array): void {
  let n0 = stats[0]!;
  let n1 = stats[1]!;
  let dot = stats[2]!;
  for (let i = 0; i < v0.length; i++) {
    const a = v0[i]!;
    const b = v1[i]!;
    n0 += a * a;
    n1 += b * b;
    dot += a * b;
  }
  stats[0] = n0;
  stats[1] = n1;
  stats[2] = dot;
}

function interpolate(t: number, v0: Float32Array, v1: Float32Array, stats: Float64Array): Float32Array {
  const n0 = Math.sqrt(stats[0]!);
  const n1 = Math.sqrt(stats[1]!);
  // A (near-)zero tensor is left unnormalized, as mergekit does.
  const cos = stats[2]! / (n0 > EPS ? n0 : 1) / (n1 > EPS ? n1 : 1);
  let s0: number;
  let s1: number;
  if (Math.abs(cos) > DOT_THRESHOLD) {
    s0 = 1 - t;
    s1 = t;
  } else {
    const theta = Math.acos(cos);
    const sinTheta = Math.sin(theta);
    s0 = Math.sin(theta - theta * t) / sinTheta;
    s1 = Math.sin(theta * t) / sinTheta;
  }
  const out = new Float32Array(v0.length);
  for (let i = 0; i < v0.length; i++) out[i] = s0 * v0[i]! + s1 * v1[i]!;
  return out;
}

export function slerpArrays(t: number, v0: Float32Array, v1: Float32Array): Float32Array {
  const stats = new Float64Array(3);
  accumulate(v0, v1, stats);
  return interpolate(t, v0, v1, stats);
}

function ends(job: TensorJob): { t: number; v0: Float32Array; v1: Float32Array } {
  if (!job.base) throw new Error("slerp needs a base model (the t = 0 end)");
  const t = job.params.num("t", NaN);
  if (!Number.isFinite(t)) throw new RangeError(`slerp needs a parameter t (0 = base model, 1 = the other model)`);
  return { t, v0: job.base, v1: job.models[0]! };
}

export const slerp: MergeMethod = {
  name: "slerp",
  base: "required",
  minModels: 1,
  maxModels: 1,
  parameters: ["t"],
  chunkable: false,
  streaming: {
    newStats: () => new Float64Array(3),
    accumulate: (job, stats) => {
      const { v0, v1 } = ends(job);
      accumulate(v0, v1, stats);
    },
    mergeWithStats: (job, stats) => {
      const { t, v0, v1 } = ends(job);
      return interpolate(t, v0, v1, stats);
    },
  },
  merge(job: TensorJob): Float32Array {
    const { t, v0, v1 } = ends(job);
    return slerpArrays(t, v0, v1);
  },
};
