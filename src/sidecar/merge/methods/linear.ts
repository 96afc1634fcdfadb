// linear: Σ wᵢθᵢ / Σ wᵢ (mergekit's default normalize: true).
import type { TensorParams } from "../params";
import type { MergeMethod, TensorJob } from "./types";

/** out = Σ cᵢ·mᵢ, with the common one- and two-model cases as straight loops (merges are bound by this work). */
export function weightedSum(models: Float32Array[], coefficients: number[]): Float32Array {
  const n = models[0]!.length;
  const out = new Float32Array(n);
  const [m0, m1] = models;
  const [c0, c1] = coefficients;
  if (models.length === 1) {
    for (let j = 0; j < n; j++) out[j] = c0! * m0![j]!;
  } else if (models.length === 2) {
    for (let j = 0; j < n; j++) out[j] = c0! * m0![j]! + c1! * m1![j]!;
  } else {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < models.length; i++) s += coefficients[i]! * models[i]![j]!;
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
