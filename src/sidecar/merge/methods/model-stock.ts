// model_stock: average the fine-tuned models, then move that average towards the base by how much their task
// vectors agree: cosθ = mean pairwise cosine of δᵢ, t = N·cosθ / (1 + (N−1)·cosθ), result = t·mean(θᵢ) + (1−t)·base.
import type { MergeMethod, TensorJob } from "./types";

/** For each pair (a < b) of models: [δa·δb, |δa|², |δb|²] over elements [from, to), added to stats in order. */
function accumulatePairs(models: Float32Array[], base: Float32Array, from: number, to: number, stats: Float64Array): void {
  let k = 0;
  for (let a = 0; a < models.length; a++) {
    for (let b = a + 1; b < models.length; b++, k += 3) {
      const ma = models[a]!;
      const mb = models[b]!;
      let dot = stats[k]!;
      let na = stats[k + 1]!;
      let nb = stats[k + 2]!;
      for (let j = from; j < to; j++) {
        const da = ma[j]! - base[j]!;
        const db = mb[j]! - base[j]!;
        dot += da * db;
        na += da * da;
        nb += db * db;
      }
      stats[k] = dot;
      stats[k + 1] = na;
      stats[k + 2] = nb;
    }
  }
}

function combine(models: Float32Array[], base: Float32Array, from: number, to: number, stats: Float64Array, out: Float32Array): void {
  const n = models.length;
  let cosSum = 0;
  const pairs = stats.length / 3;
  for (let k = 0; k < stats.length; k += 3) {
    const cos = stats[k]! / Math.max(Math.sqrt(stats[k + 1]!) * Math.sqrt(stats[k + 2]!), 1e-6);
    cosSum += Math.max(-1, Math.min(1, cos));
  }
  const cos = cosSum / pairs;
  // mergekit divides by 1 + (N−1)·cosθ, which is 0 when the task vectors cancel out (two opposite ones); there
  // the merge keeps the base rather than writing infinities.
  const denominator = 1 + (n - 1) * cos;
  const t = Math.abs(denominator) < 1e-6 ? 0 : (n * cos) / denominator;
  for (let j = from; j < to; j++) {
    let mean = 0;
    for (const m of models) mean += m[j]!;
    mean /= n;
    out[j] = t * mean + (1 - t) * base[j]!;
  }
}

const pairStats = (n: number) => new Float64Array(((n * (n - 1)) / 2) * 3);

function needBase(job: TensorJob): Float32Array {
  if (!job.base) throw new Error("model_stock needs a base model");
  return job.base;
}

/** filter_wise (mergekit's option): one angle per row instead of one for the whole tensor. */
const filterWise = (job: TensorJob) => job.params.bool("filter_wise", false) && job.rowLength > 0;

function mergeWithStats(job: TensorJob, stats: Float64Array): Float32Array {
  const base = needBase(job);
  const out = new Float32Array(base.length);
  if (!filterWise(job)) {
    combine(job.models, base, 0, base.length, stats, out);
    return out;
  }
  for (let from = 0; from < base.length; from += job.rowLength) {
    const to = Math.min(base.length, from + job.rowLength);
    const row = pairStats(job.models.length);
    accumulatePairs(job.models, base, from, to, row);
    combine(job.models, base, from, to, row, out);
  }
  return out;
}

export const modelStock: MergeMethod = {
  name: "model_stock",
  base: "required",
  minModels: 2,
  parameters: ["filter_wise"],
  chunkable: false,
  streaming: {
    newStats: pairStats,
    accumulate: (job, stats) => {
      // Per-row angles need no whole-tensor statistics: each chunk holds whole rows.
      if (!filterWise(job)) accumulatePairs(job.models, needBase(job), 0, needBase(job).length, stats);
    },
    mergeWithStats,
  },
  merge(job: TensorJob): Float32Array {
    const stats = pairStats(job.models.length);
    if (!filterWise(job)) accumulatePairs(job.models, needBase(job), 0, needBase(job).length, stats);
    return mergeWithStats(job, stats);
  },
};
