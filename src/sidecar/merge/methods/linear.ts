// linear: Σ wᵢθᵢ / Σ wᵢ (mergekit's default normalize: true).
import type { MergeMethod, TensorJob } from "./types";

export const linear: MergeMethod = {
  name: "linear",
  base: "none",
  minModels: 1,
  parameters: ["weight", "normalize"],
  chunkable: true,
  merge(job: TensorJob): Float32Array {
    const n = job.models[0]!.length;
    const out = new Float32Array(n);
    const weights = job.models.map((_, i) => job.params.num("weight", 1, i));
    let total = 0;
    for (const w of weights) total += w;
    const normalize = job.params.bool("normalize", true);
    // mergekit leaves a (near-)zero total alone rather than dividing by it.
    const scale = normalize && Math.abs(total) >= 1e-8 ? 1 / total : 1;
    const acc = new Float64Array(n);
    job.models.forEach((m, i) => {
      const w = weights[i]!;
      if (w === 0) return;
      for (let j = 0; j < n; j++) acc[j]! += w * m[j]!;
    });
    for (let j = 0; j < n; j++) out[j] = acc[j]! * scale;
    return out;
  },
};
