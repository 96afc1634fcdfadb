// Which entries of a task vector TIES and Model Breadcrumbs keep, decided chunk by chunk without holding the
// tensor. Both keep a band of ranks of the entries ordered by magnitude (ties in index order, as the whole-tensor
// sort in sparsify.ts orders them): TIES the top k, Breadcrumbs a middle band. A rank boundary is found exactly
// by radix selection over the magnitudes' float bits (which order like the magnitudes themselves), in three passes
// over the chunks:
//   0. a histogram of the top 16 bits of every magnitude;
//   1. within the bin holding the boundary rank, a histogram of the low 15 bits: the boundary's magnitude T, and
//      m, how many entries equal to T rank below the boundary;
//   2. the index P of the (m+1)-th entry equal to T, so an entry equal to T is above the boundary iff its index is
//      at least P.
// Each boundary needs 65536 + 32768 counts per model, whatever the tensor's size.

const HI_BINS = 1 << 16;
const LO_BINS = 1 << 15;
/** Per boundary: bin, count below the bin, T, m, P, equal entries seen so far (pass 2), then the low histogram. */
const SCALARS = 6;
const BOUNDARY = SCALARS + LO_BINS;
/** Per model: the shared high histogram, then the two boundaries (lower and upper rank). */
const PER_MODEL = HI_BINS + 2 * BOUNDARY;
/** Slot 0 holds the tensor's size (known after pass 0); the models' statistics follow. */
const HEADER = 1;

export const RANK_SELECT_PASSES = 3;

/** Statistics for `models` task vectors. */
export function newRankStats(models: number): Float64Array {
  return new Float64Array(HEADER + models * PER_MODEL);
}

/** The tensor's size, once pass 0 is finished. */
export function rankStatsValues(stats: Float64Array): number {
  return stats[0]!;
}

function magnitudeBits(delta: Float32Array): Uint32Array {
  return new Uint32Array(delta.buffer, delta.byteOffset, delta.length);
}

/** Adds one chunk of model `model`'s task vector, which starts at element `offset` of the tensor, to pass `pass`. */
export function accumulateRanks(delta: Float32Array, offset: number, stats: Float64Array, model: number, pass: number): void {
  const bits = magnitudeBits(delta);
  const at = HEADER + model * PER_MODEL;
  if (pass === 0) {
    for (let j = 0; j < bits.length; j++) stats[at + ((bits[j]! & 0x7fffffff) >>> 15)]! += 1;
    return;
  }
  for (let b = 0; b < 2; b++) {
    const s = at + HI_BINS + b * BOUNDARY;
    if (stats[s]! < 0) continue; // this boundary needs no selection (rank 0 or the tensor's end)
    if (pass === 1) {
      const bin = stats[s]!;
      for (let j = 0; j < bits.length; j++) {
        const key = bits[j]! & 0x7fffffff;
        if (key >>> 15 === bin) stats[s + SCALARS + (key & 0x7fff)]! += 1;
      }
    } else {
      const [key, m] = [stats[s + 2]!, stats[s + 3]!];
      if (stats[s + 4]! >= 0) continue; // P found in an earlier chunk
      let seen = stats[s + 5]!;
      for (let j = 0; j < bits.length; j++) {
        if ((bits[j]! & 0x7fffffff) !== key) continue;
        if (seen === m) {
          stats[s + 4] = offset + j;
          break;
        }
        seen++;
      }
      stats[s + 5] = seen;
    }
  }
}

/**
 * After pass 0 or 1: locate each boundary's bin, then its exact magnitude. `ranks(model)` gives a model's band
 * [lo, hi); `values` is the tensor's size.
 */
export function finishRankPass(stats: Float64Array, models: number, ranks: (model: number) => [number, number], values: number, pass: number): void {
  stats[0] = values;
  for (let model = 0; model < models; model++) {
    const at = HEADER + model * PER_MODEL;
    for (let b = 0; b < 2; b++) {
      const s = at + HI_BINS + b * BOUNDARY;
      const rank = ranks(model)[b]!;
      if (pass === 0) {
        // No selection at the ends of the range, nor for a model whose chunks were never added (weight 0).
        if (rank <= 0 || rank >= values || !hasCounts(stats, at)) {
          stats[s] = -1;
          continue;
        }
        let below = 0;
        let bin = 0;
        while (below + stats[at + bin]! <= rank) below += stats[at + bin++]!;
        stats[s] = bin;
        stats[s + 1] = below;
        stats[s + 4] = -1; // P not found yet
      } else if (pass === 1 && stats[s]! >= 0) {
        let below = stats[s + 1]!;
        let low = 0;
        while (below + stats[s + SCALARS + low]! <= rank) below += stats[s + SCALARS + low++]!;
        stats[s + 2] = stats[s]! * LO_BINS + low; // T's bits
        stats[s + 3] = rank - below; // m
      }
    }
  }
}

function hasCounts(stats: Float64Array, at: number): boolean {
  for (let bin = 0; bin < HI_BINS; bin++) if (stats[at + bin]! > 0) return true;
  return false;
}

/** Whether the entry with these magnitude bits at tensor index `index` ranks at or above the boundary at `s`. */
function atOrAbove(stats: Float64Array, s: number, key: number, index: number): boolean {
  const t = stats[s + 2]!;
  return key > t || (key === t && index >= stats[s + 4]!);
}

/**
 * The chunk with only the entries whose rank lies in [lo, hi) kept (the others 0), after the three passes. An
 * upper boundary at the tensor's end keeps everything above the lower one.
 */
export function keepRankBand(delta: Float32Array, offset: number, stats: Float64Array, model: number, ranks: [number, number]): Float32Array {
  const values = rankStatsValues(stats);
  const bits = magnitudeBits(delta);
  const at = HEADER + model * PER_MODEL;
  const lower = at + HI_BINS;
  const upper = at + HI_BINS + BOUNDARY;
  const out = new Float32Array(delta.length);
  for (let j = 0; j < bits.length; j++) {
    const key = bits[j]! & 0x7fffffff;
    const index = offset + j;
    // A boundary at either end of the range needs no selection: rank ≤ 0 is below every entry, rank ≥ n above.
    const aboveLower = ranks[0] <= 0 || (ranks[0] < values && atOrAbove(stats, lower, key, index));
    const belowUpper = ranks[1] >= values || (ranks[1] > 0 && !atOrAbove(stats, upper, key, index));
    if (aboveLower && belowUpper) out[j] = delta[j]!;
  }
  return out;
}
