// Seeded randomness for the sidecar: sampling after mixing, DARE/DELLA masks in merges, random test models.
// One small generator (mulberry32) everywhere, so a seed means the same stream in every feature and on every
// platform. Enough for sampling and masks; never for secrets.

export type Rng = () => number;

/** Each draw advances mulberry32's state by this constant: that is what lets a stream be started part-way. */
const MULBERRY_STEP = 0x6d2b79f5;

/** mulberry32 as it is after `skip` draws from `seed` (in O(1): its state only counts). */
export function mulberry32From(seed: number, skip: number): Rng {
  return mulberry32((seed + Math.imul(skip, MULBERRY_STEP)) >>> 0);
}

/** mulberry32: uniform in [0, 1). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + MULBERRY_STEP) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded stream, or a fresh random one when no seed is given. */
export function createRng(seed: number | undefined): Rng {
  return mulberry32(seed ?? Math.floor(Math.random() * 2 ** 32));
}
