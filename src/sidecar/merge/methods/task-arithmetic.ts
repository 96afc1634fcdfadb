// The task-vector family (mergekit's generalized_task_arithmetic): task_arithmetic, ties, dare_ties,
// dare_linear, breadcrumbs, breadcrumbs_ties, della, della_linear. They differ only in how each task vector
// δᵢ = θᵢ − base is sparsified, whether a sign vote masks entries, and whether the sum is normalized.
import type { TensorParams } from "../params";
import { weightedSum } from "./linear";
import { accumulateRandomDropL1, magnitudeOutliers, magnitudeTopK, randomDrop, rankMagnitudeSampling } from "./sparsify";
import type { MergeMethod, MethodName, TensorJob } from "./types";

type Sparsify = "none" | "magnitude" | "random" | "outliers" | "rank_magnitude";

interface Variant {
  name: MethodName;
  sparsify: Sparsify;
  signVote: boolean;
  normalize: boolean;
}

const VARIANTS: Variant[] = [
  { name: "task_arithmetic", sparsify: "none", signVote: false, normalize: false },
  { name: "ties", sparsify: "magnitude", signVote: true, normalize: true },
  { name: "dare_ties", sparsify: "random", signVote: true, normalize: false },
  { name: "dare_linear", sparsify: "random", signVote: false, normalize: false },
  { name: "breadcrumbs", sparsify: "outliers", signVote: false, normalize: false },
  { name: "breadcrumbs_ties", sparsify: "outliers", signVote: true, normalize: false },
  { name: "della", sparsify: "rank_magnitude", signVote: true, normalize: true },
  { name: "della_linear", sparsify: "rank_magnitude", signVote: false, normalize: false },
];

const PARAMS: Record<Sparsify, string[]> = {
  none: [],
  magnitude: ["density"],
  random: ["density", "rescale"],
  outliers: ["density", "gamma"],
  rank_magnitude: ["density", "epsilon", "rescale"],
};

function densityOf(job: TensorJob, i: number): number {
  const density = job.params.num("density", 1, i);
  if (!(density > 0 && density <= 1)) throw new RangeError(`density must be in (0, 1], got ${density} (tensor ${job.name})`);
  return density;
}

/** δᵢ sparsified; `l1` holds DARE's whole-tensor L1 sums (two per model) when the tensor comes in chunks. */
function sparsified(v: Variant, job: TensorJob, delta: Float32Array, i: number, l1: Float64Array | undefined): Float32Array {
  const p = job.params;
  const density = densityOf(job, i);
  switch (v.sparsify) {
    case "none":
      return delta;
    case "magnitude":
      return magnitudeTopK(delta, density);
    case "random":
      return randomDrop(delta, density, job.rng(i), p.bool("rescale", true), l1 && { before: l1[2 * i]!, after: l1[2 * i + 1]! });
    case "outliers":
      return magnitudeOutliers(delta, density, p.num("gamma", 0.01, i));
    case "rank_magnitude":
      return rankMagnitudeSampling(delta, job.rowLength, density, p.num("epsilon", 0.15, i), job.rng(i), p.bool("rescale", true));
  }
}

/** δᵢ = θᵢ − base for each model whose weight is not 0 (a model of weight 0 contributes nothing and is skipped). */
function taskVectors(job: TensorJob, base: Float32Array): { i: number; w: number; delta: Float32Array }[] {
  const out: { i: number; w: number; delta: Float32Array }[] = [];
  job.models.forEach((m, i) => {
    const w = job.params.num("weight", 1, i);
    if (w === 0) return;
    const delta = new Float32Array(base.length);
    for (let j = 0; j < base.length; j++) delta[j] = m[j]! - base[j]!;
    out.push({ i, w, delta });
  });
  return out;
}

/**
 * Plain task arithmetic is linear in its inputs: base + λ·Σ wᵢ(θᵢ − base)/d = (1 − λΣwᵢ/d)·base + Σ (λwᵢ/d)·θᵢ,
 * with d = Σwᵢ when normalizing (1 otherwise).
 */
function taskArithmeticCoefficients(params: TensorParams, modelCount: number): number[] {
  const weights = Array.from({ length: modelCount }, (_, i) => params.num("weight", 1, i));
  const total = weights.reduce((a, b) => a + b, 0);
  const divisor = params.bool("normalize", false) && Math.abs(total) >= 1e-8 ? total : 1;
  const lambda = params.num("lambda", 1);
  const scaled = weights.map((w) => (lambda * w) / divisor);
  return [1 - scaled.reduce((a, b) => a + b, 0), ...scaled];
}

function mergeTaskVectors(v: Variant, job: TensorJob, l1?: Float64Array): Float32Array {
  const base = job.base;
  if (!base) throw new Error(`${v.name} needs a base model`);
  if (v.sparsify === "none" && !v.signVote) return weightedSum([base, ...job.models], taskArithmeticCoefficients(job.params, job.models.length));
  const n = base.length;
  const weights = job.models.map((_, i) => job.params.num("weight", 1, i));
  // Weighted, sparsified task vectors.
  const deltas = taskVectors(job, base).map(({ i, w, delta }) => ({ w, d: sparsified(v, job, delta, i, l1) }));
  const normalize = job.params.bool("normalize", v.normalize);
  const lambda = job.params.num("lambda", 1);
  const out = new Float32Array(n);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  for (let j = 0; j < n; j++) {
    let mixed = 0;
    let divisor = 0;
    if (v.signVote) {
      // Majority sign of the weighted sum (a zero sum counts as positive, as in mergekit); entries of another
      // sign, and zero entries, are dropped along with their weight.
      let sum = 0;
      for (const { w, d } of deltas) sum += w * d[j]!;
      const majority = sum >= 0 ? 1 : -1;
      for (const { w, d } of deltas) {
        const wd = w * d[j]!;
        if (Math.sign(wd) === majority) {
          mixed += wd;
          divisor += w;
        }
      }
      if (divisor === 0) divisor = 1;
    } else {
      for (const { w, d } of deltas) mixed += w * d[j]!;
      divisor = Math.abs(totalWeight) < 1e-8 ? 1 : totalWeight;
    }
    if (normalize) mixed /= divisor;
    out[j] = base[j]! + lambda * mixed;
  }
  return out;
}

/**
 * DARE rescales by whole-tensor L1 sums: a large tensor is merged in row chunks after one pass that adds them
 * up (the draws of a chunk are the whole tensor's, see rng.ts), so memory does not grow with tensor size.
 */
function dareStreaming(v: Variant): MergeMethod["streaming"] {
  return {
    newStats: (modelCount) => new Float64Array(2 * modelCount),
    accumulate: (job, stats) => {
      if (!job.base) throw new Error(`${v.name} needs a base model`);
      for (const { i, delta } of taskVectors(job, job.base)) accumulateRandomDropL1(delta, densityOf(job, i), job.rng(i), stats, 2 * i);
    },
    mergeWithStats: (job, stats) => mergeTaskVectors(v, job, job.params.bool("rescale", true) ? stats : undefined),
  };
}

export const taskVectorMethods: MergeMethod[] = VARIANTS.map((v) => ({
  name: v.name,
  base: "required",
  minModels: 1,
  parameters: ["weight", "normalize", "lambda", ...PARAMS[v.sparsify]],
  // DELLA ranks within rows and draws per value: chunks of whole rows merge exactly as the whole tensor does.
  chunkable: v.sparsify === "none" || v.sparsify === "rank_magnitude",
  streaming: v.sparsify === "random" ? dareStreaming(v) : undefined,
  linearCoefficients: v.sparsify === "none" ? taskArithmeticCoefficients : undefined,
  merge: (job: TensorJob) => mergeTaskVectors(v, job),
}));
