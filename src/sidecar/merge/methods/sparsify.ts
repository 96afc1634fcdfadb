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

/** The factor that gives the kept entries the L1 norm of the original (undefined when either is negligible). */
function l1Scale(before: number, after: number): number | undefined {
  return before >= 1e-8 && after >= 1e-8 ? before / after : undefined;
}

/** Scale `kept` so its L1 norm equals that of `original` (when both are non-negligible). */
export function rescaleL1(original: Float32Array, kept: Float32Array): void {
  let before = 0;
  let after = 0;
  for (let i = 0; i < original.length; i++) {
    before += Math.abs(original[i]!);
    after += Math.abs(kept[i]!);
  }
  const s = l1Scale(before, after);
  if (s !== undefined) for (let i = 0; i < kept.length; i++) kept[i]! *= s;
}

/**
 * DARE: keep each entry with probability `density` (one rng draw per entry, in order), then L1 rescale. A tensor
 * merged in chunks passes its whole-tensor L1 sums (accumulateRandomDropL1) instead of each chunk's own.
 */
export function randomDrop(delta: Float32Array, density: number, rng: Rng, rescale: boolean, l1?: { before: number; after: number }): Float32Array {
  if (density >= 1) return delta.slice();
  const out = new Float32Array(delta.length);
  for (let i = 0; i < delta.length; i++) if (rng() < density) out[i] = delta[i]!;
  if (!rescale) return out;
  if (!l1) {
    rescaleL1(delta, out);
    return out;
  }
  const s = l1Scale(l1.before, l1.after);
  if (s !== undefined) for (let i = 0; i < out.length; i++) out[i]! *= s;
  return out;
}

/**
 * DARE's L1 sums of a chunk added to sums[at] (all entries) and sums[at + 1] (the kept ones), value by value in
 * order with the same draws as randomDrop, so the chunks of a tensor add up to exactly the whole tensor's sums.
 */
export function accumulateRandomDropL1(delta: Float32Array, density: number, rng: Rng, sums: Float64Array, at: number): void {
  if (density >= 1) return;
  let before = sums[at]!;
  let after = sums[at + 1]!;
  for (let i = 0; i < delta.length; i++) {
    const a = Math.abs(delta[i]!);
    before += a;
    if (rng() < density) after += a;
  }
  sums[at] = before;
  sums[at + 1] = after;
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
 * DELLA (MAGPRUNE): within each row, rank entries by magnitude; the keep probability ramps linearly with rank
 * from density−ε (smallest) to density+ε (largest). Kept entries are divided by their keep probability, so each
 * entry is unchanged in expectation. Draws: one per entry, row by row, in index order.
 */
export function rankMagnitudeSampling(
  delta: Float32Array,
  rowLength: number,
  density: number,
  epsilon: number,
  rng: Rng,
  rescale: boolean,
): Float32Array {
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
    for (let j = 0; j < row; j++) {
      const p = prob[j]!;
      if (rng() < p) out[start + j] = rescale ? delta[start + j]! / p : delta[start + j]!;
    }
  }
  return out;
}
