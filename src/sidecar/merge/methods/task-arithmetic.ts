// The task-vector family (mergekit's generalized_task_arithmetic): task_arithmetic, ties, dare_ties,
// dare_linear, breadcrumbs, breadcrumbs_ties, della, della_linear. They differ only in how each task vector
// δᵢ = θᵢ − base is sparsified, whether a sign vote masks entries, and whether the sum is normalized.
import type { TensorParams } from "../params";
import { accumulateRanks, finishRankPass, keepRankBand, newRankStats, RANK_SELECT_PASSES, rankStatsValues } from "./rank-select";
import { weightedSum } from "./linear";
import { addL1, magnitudeOutliers, magnitudeTopK, randomDrop, randomKeep, rankMagnitudeKeep, rankMagnitudeSampling, type L1Sums } from "./sparsify";
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

/**
 * The band of magnitude ranks [lo, hi) that TIES (the top ⌊density·n⌋) and Breadcrumbs (drop the top ⌊gamma·n⌋
 * outliers, then the smallest, so that ⌊density·n⌋ remain) keep of model i's task vector of n values; what
 * magnitudeTopK and magnitudeOutliers keep, for a tensor merged in chunks.
 */
function rankBand(v: Variant, params: TensorParams, i: number, n: number): [number, number] {
  const density = params.num("density", 1, i);
  if (density >= 1) return [0, n];
  const keep = Math.floor(density * n);
  if (v.sparsify === "magnitude") return [n - keep, n];
  let top = Math.floor(params.num("gamma", 0.01, i) * n);
  let bottom = n - keep - top;
  if (bottom < 0) {
    top += bottom;
    bottom = 0;
  }
  return [bottom, n - top];
}

/** Statistics gathered over a tensor's chunks: DARE's/DELLA's L1 sums (two per model) or TIES/Breadcrumbs' rank bands. */
type ChunkStats = { l1: Float64Array } | { ranks: Float64Array };

/** δᵢ sparsified; `stats` are the whole tensor's when the tensor comes in chunks. */
function sparsified(v: Variant, job: TensorJob, delta: Float32Array, i: number, stats: ChunkStats | undefined): Float32Array {
  const p = job.params;
  const density = densityOf(job, i);
  const ranks = stats && "ranks" in stats ? stats.ranks : undefined;
  switch (v.sparsify) {
    case "none":
      return delta;
    case "magnitude":
      return ranks ? keepRankBand(delta, job.offset, ranks, i, rankBand(v, p, i, rankStatsValues(ranks))) : magnitudeTopK(delta, density);
    case "random":
      return randomDrop(delta, density, job.rng(i), p.bool("rescale", true), l1Of(stats, i));
    case "outliers":
      return ranks
        ? keepRankBand(delta, job.offset, ranks, i, rankBand(v, p, i, rankStatsValues(ranks)))
        : magnitudeOutliers(delta, density, p.num("gamma", 0.01, i));
    case "rank_magnitude":
      return rankMagnitudeSampling(delta, job.rowLength, density, p.num("epsilon", 0.15, i), job.rng(i), p.bool("rescale", true), l1Of(stats, i));
  }
}

/** Model i's whole-tensor L1 sums, when the tensor comes in chunks. */
function l1Of(stats: ChunkStats | undefined, i: number): L1Sums | undefined {
  const l1 = stats && "l1" in stats ? stats.l1 : undefined;
  return l1 && { before: l1[2 * i]!, after: l1[2 * i + 1]! };
}

/** The entries DARE or DELLA keep of a chunk, unscaled: the same draws as sparsified() makes. */
function keptEntries(v: Variant, job: TensorJob, delta: Float32Array, i: number): Float32Array {
  const density = densityOf(job, i);
  if (v.sparsify === "random") return randomKeep(delta, density, job.rng(i));
  return rankMagnitudeKeep(delta, job.rowLength, density, job.params.num("epsilon", 0.15, i), job.rng(i));
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

function mergeTaskVectors(v: Variant, job: TensorJob, stats?: ChunkStats): Float32Array {
  const base = job.base;
  if (!base) throw new Error(`${v.name} needs a base model`);
  if (v.sparsify === "none" && !v.signVote) return weightedSum([base, ...job.models], taskArithmeticCoefficients(job.params, job.models.length));
  const n = base.length;
  const weights = job.models.map((_, i) => job.params.num("weight", 1, i));
  // Weighted, sparsified task vectors.
  const deltas = taskVectors(job, base).map(({ i, w, delta }) => ({ w, d: sparsified(v, job, delta, i, stats) }));
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

/** The task vectors of a chunk; the base is required. */
function chunkVectors(v: Variant, job: TensorJob): { i: number; w: number; delta: Float32Array }[] {
  if (!job.base) throw new Error(`${v.name} needs a base model`);
  return taskVectors(job, job.base);
}

/**
 * Sparsifications that need the whole tensor — DARE's and DELLA's L1 rescale, TIES' and Breadcrumbs' magnitude ranks — take
 * a large tensor in row chunks after passes that gather what they need (the L1 sums; the rank bands, see
 * rank-select.ts), so memory does not grow with tensor size. A chunk's draws are the whole tensor's (rng.ts).
 */
function streamingFor(v: Variant): MergeMethod["streaming"] {
  if (v.sparsify === "random" || v.sparsify === "rank_magnitude")
    return {
      newStats: (modelCount) => new Float64Array(2 * modelCount),
      accumulate: (job, stats) => {
        for (const { i, delta } of chunkVectors(v, job)) {
          if (densityOf(job, i) >= 1) continue;
          const sums = { before: stats[2 * i]!, after: stats[2 * i + 1]! };
          addL1(delta, keptEntries(v, job, delta, i), sums);
          [stats[2 * i], stats[2 * i + 1]] = [sums.before, sums.after];
        }
      },
      mergeWithStats: (job, stats) => mergeTaskVectors(v, job, job.params.bool("rescale", true) ? { l1: stats } : undefined),
    };
  if (v.sparsify === "magnitude" || v.sparsify === "outliers")
    return {
      passes: RANK_SELECT_PASSES,
      newStats: newRankStats,
      accumulate: (job, stats, pass) => {
        for (const { i, delta } of chunkVectors(v, job)) accumulateRanks(delta, job.offset, stats, i, pass);
      },
      finishPass: (stats, pass, params, modelCount, values) => finishRankPass(stats, modelCount, (i) => rankBand(v, params, i, values), values, pass),
      mergeWithStats: (job, stats) => mergeTaskVectors(v, job, { ranks: stats }),
    };
  return undefined;
}

export const taskVectorMethods: MergeMethod[] = VARIANTS.map((v) => ({
  name: v.name,
  base: "required",
  minModels: 1,
  parameters: ["weight", "normalize", "lambda", ...PARAMS[v.sparsify]],
  chunkable: v.sparsify === "none",
  streaming: streamingFor(v),
  linearCoefficients: v.sparsify === "none" ? taskArithmeticCoefficients : undefined,
  merge: (job: TensorJob) => mergeTaskVectors(v, job),
}));
