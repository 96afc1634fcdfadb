// model_stock: average the fine-tuned models, then move that average towards the base by how much their task
// vectors agree: cosθ = mean pairwise cosine of δᵢ, t = N·cosθ / (1 + (N−1)·cosθ), result = t·mean(θᵢ) + (1−t)·base.
import type { MergeMethod, TensorJob } from "./types";

function stockOfSpan(models: Float32Array[], base: Float32Array, from: number, to: number, out: Float32Array): void {
  const n = models.length;
  let cosSum = 0;
  let pairs = 0;
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      const ma = models[a]!;
      const mb = models[b]!;
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let j = from; j < to; j++) {
        const da = ma[j]! - base[j]!;
        const db = mb[j]! - base[j]!;
        dot += da * db;
        na += da * da;
        nb += db * db;
      }
      const cos = dot / Math.max(Math.sqrt(na) * Math.sqrt(nb), 1e-6);
      cosSum += Math.max(-1, Math.min(1, cos));
      pairs++;
    }
  }
  const cos = cosSum / pairs;
  const t = (n * cos) / (1 + (n - 1) * cos);
  for (let j = from; j < to; j++) {
    let mean = 0;
    for (const m of models) mean += m[j]!;
    mean /= n;
    out[j] = t * mean + (1 - t) * base[j]!;
  }
}

export const modelStock: MergeMethod = {
  name: "model_stock",
  base: "required",
  minModels: 2,
  parameters: ["filter_wise"],
  chunkable: false,
  merge(job: TensorJob): Float32Array {
    const base = job.base;
    if (!base) throw new Error("model_stock needs a base model");
    const out = new Float32Array(base.length);
    // filter_wise: one angle per row (mergekit's option) instead of one for the whole tensor.
    const span = job.params.bool("filter_wise", false) && job.rowLength > 0 ? job.rowLength : base.length;
    for (let from = 0; from < base.length; from += span) stockOfSpan(job.models, base, from, Math.min(base.length, from + span), out);
    return out;
  },
};
