// linear: Σ wᵢθᵢ / Σ wᵢ (mergekit's default normalize: true).
import type { TensorParams } from "../params";
import type { MergeMethod, TensorJob } from "./types";

/**
 * out = Σ cᵢ·mᵢ in float32 arithmetic: coefficients rounded to float32, every product and sum rounded to float32
 * (Math.fround of a double product or sum of two floats is the float32 result), in input order. That is what the
 * fused F16 kernel computes (kernels/f16-weighted-sum.wat), so both paths write the same bits, and it is within
 * mergekit's semantics, which computes in the tensors' own dtype. The common one- and two-model cases are
 * straight loops (merges are bound by this work).
 */
export function weightedSum(models: Float32Array[], coefficients: number[]): Float32Array {
  const f = Math.fround;
  const n = models[0]!.length;
  const out = new Float32Array(n);
  const [m0, m1] = models;
  const cs = coefficients.map(f);
  const [c0, c1] = cs;
  if (models.length === 1) {
    for (let j = 0; j < n; j++) out[j] = c0! * m0![j]!;
  } else if (models.length === 2) {
    for (let j = 0; j < n; j++) out[j] = f(c0! * m0![j]!) + f(c1! * m1![j]!);
  } else {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < models.length; i++) s = f(s + f(cs[i]! * models[i]![j]!));
      out[j] = s;
    }
  }
  return out;
}

export const linear: MergeMethod = {
  name: "linear",
  base: "none",
  minModels: 1,
  parameters: ["weight", "normalize"],
  chunkable: true,
  linearCoefficients(params: TensorParams, modelCount: number): number[] {
    const weights = Array.from({ length: modelCount }, (_, i) => params.num("weight", 1, i));
    const total = weights.reduce((a, b) => a + b, 0);
    // mergekit leaves a (near-)zero total alone rather than dividing by it.
    const scale = params.bool("normalize", true) && Math.abs(total) >= 1e-8 ? 1 / total : 1;
    return weights.map((w) => w * scale);
  },
  merge(job: TensorJob): Float32Array {
    return weightedSum(job.models, this.linearCoefficients!(job.params, job.models.length));
  },
};
