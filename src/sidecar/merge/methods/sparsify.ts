// Sparsification of a task vector δ, as mergekit does it (sparsify.py). Each function returns a new array.
import type { Rng } from "../rng";

/** Indices 0…n−1 ordered by |x| ascending (ties keep index order, so results are deterministic). */
function orderByMagnitude(x: Float32Array, from = 0, to = x.length): Uint32Array {
  const idx = new Uint32Array(to - from);
  for (let i = 0; i < idx.length; i++) idx[i] = from + i;
  const mag = (i: number) => Math.abs(x[i]!);
  idx.sort((a, b) => mag(a) - mag(b) || a - b);
  return idx;
}

/** TIES: keep the ⌊density·n⌋ entries of largest magnitude, no rescale. */
export function magnitudeTopK(delta: Float32Array, density: number): Float32Array {
  if (density >= 1) return delta.slice();
  const n = delta.length;
  const k = Math.floor(density * n);
  const out = new Float32Array(n);
  const order = orderByMagnitude(delta);
  for (let r = n - k; r < n; r++) {
    const i = order[r]!;
    out[i] = delta[i]!;
  }
  return out;
}

/**
 * The factor that gives the kept entries the L1 norm of the original; undefined when either norm is below 1e-7,
 * where mergekit leaves the kept entries unscaled (mergekit/sparsify.py rescaled_masked_tensor, eps = 1e-7).
 */
function l1Scale(before: number, after: number): number | undefined {
  return before >= 1e-7 && after >= 1e-7 ? before / after : undefined;
}

/** Whole-tensor L1 norms of a task vector and of its kept entries, for a tensor sparsified in chunks. */
export interface L1Sums {
  before: number;
  after: number;
}

/**
 * Scales `kept` in place so its L1 norm equals that of `original` — one factor for the whole tensor, as mergekit's
 * rescale does; `l1` gives the whole tensor's norms when `kept` is one chunk of it.
 */
export function rescaleL1(original: Float32Array, kept: Float32Array, l1?: L1Sums): Float32Array {
  let sums = l1;
  if (!sums) {
    sums = { before: 0, after: 0 };
    addL1(original, kept, sums);
  }
  const s = l1Scale(sums.before, sums.after);
  if (s !== undefined) for (let i = 0; i < kept.length; i++) kept[i]! *= s;
  return kept;
}

/** Adds a chunk's L1 norms (all entries, kept entries) to `sums`, value by value in order. */
export function addL1(original: Float32Array, kept: Float32Array, sums: L1Sums): void {
  for (let i = 0; i < original.length; i++) {
    sums.before += Math.abs(original[i]!);
    sums.after += Math.abs(kept[i]!);
  }
}

/** DARE's drop: keep each entry with probability `density` (one rng draw per entry, in order). */
export function randomKeep(delta: Float32Array, density: number, rng: Rng): Float32Array {
  if (density >= 1) return delta.slice();
  const out = new Float32Array(delta.length);
  for (let i = 0; i < delta.length; i++) if (rng() < density) out[i] = delta[i]!;
  return out;
}

/** DARE: randomKeep, then (with `rescale`) the L1 rescale; `l1`: the whole tensor's norms for a chunk. */
export function randomDrop(delta: Float32Array, density: number, rng: Rng, rescale: boolean, l1?: L1Sums): Float32Array {
  if (density >= 1) return delta.slice();
  const kept = randomKeep(delta, density, rng);
  return rescale ? rescaleL1(delta, kept, l1) : kept;
}

/**
 * Model Breadcrumbs: drop the largest ⌊gamma·n⌋ entries (outliers) and then the smallest, so that ⌊density·n⌋
 * remain; when density + gamma > 1 fewer outliers are dropped. No rescale.
 */
export function magnitudeOutliers(delta: Float32Array, density: number, gamma: number): Float32Array {
  if (density >= 1) return delta.slice();
  const n = delta.length;
  const keep = Math.floor(density * n);
  let top = Math.floor(gamma * n);
  let bottom = n - keep - top;
  if (bottom < 0) {
    top += bottom;
    bottom = 0;
  }
  const out = new Float32Array(n);
  const order = orderByMagnitude(delta);
  for (let r = bottom; r < n - top; r++) {
    const i = order[r]!;
    out[i] = delta[i]!;
  }
  return out;
}

/**
 * DELLA's MAGPRUNE drop (mergekit/sparsify.py della_magprune): within each row, rank entries by magnitude; the keep
 * probability ramps linearly with rank from density−ε (smallest) to density+ε (largest). Draws: one per entry,
 * row by row, in index order. A 1-D tensor is one row.
 */
export function rankMagnitudeKeep(delta: Float32Array, rowLength: number, density: number, epsilon: number, rng: Rng): Float32Array {
  if (density >= 1) return delta.slice();
  if (density - epsilon <= 0 || density + epsilon >= 1)
    throw new RangeError(`della needs epsilon < density < 1 − epsilon (density ${density}, epsilon ${epsilon}); lower epsilon or change density`);
  const out = new Float32Array(delta.length);
  const row = rowLength > 0 && delta.length % rowLength === 0 ? rowLength : delta.length;
  const prob = new Float64Array(row);
  for (let start = 0; start < delta.length; start += row) {
    const order = orderByMagnitude(delta, start, start + row);
    for (let r = 0; r < row; r++) {
      const norm = row > 1 ? r / (row - 1) : 0;
      prob[order[r]! - start] = density - epsilon + norm * 2 * epsilon;
    }
    for (let j = 0; j < row; j++) if (rng() < prob[j]!) out[start + j] = delta[start + j]!;
  }
  return out;
}

/**
 * DELLA: rankMagnitudeKeep, then (with `rescale`) one L1 factor for the whole tensor, as mergekit applies
 * (rescaled_masked_tensor) — not each entry divided by its own keep probability, as the DELLA paper describes.
 */
export function rankMagnitudeSampling(
  delta: Float32Array,
  rowLength: number,
  density: number,
  epsilon: number,
  rng: Rng,
  rescale: boolean,
  l1?: L1Sums,
): Float32Array {
  if (density >= 1) return delta.slice();
  const kept = rankMagnitudeKeep(delta, rowLength, density, epsilon, rng);
  return rescale ? rescaleL1(delta, kept, l1) : kept;
}
