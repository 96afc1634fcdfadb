// Seeded randomness for DARE and DELLA. A merge must be reproducible: the same plan and seed give the same
// file, whatever order tensors are processed in, so every (tensor, model) pair gets its own stream derived
// from the plan's seed and the tensor's name rather than one stream shared by the whole run.

import { mulberry32From, type Rng } from "../random";

export type { Rng };

/** FNV-1a over the UTF-16 code units: a cheap, stable 32-bit hash for deriving seeds from names. */
export function hashString(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * The random stream used for model `modelIndex` of tensor `tensorName` under plan seed `seed`, from draw `skip`
 * on. The methods draw once per element in order, so a chunk starting at element `skip` gets exactly the draws
 * the whole tensor would have given it.
 */
export function tensorRng(seed: number, tensorName: string, modelIndex: number, skip = 0): Rng {
  return mulberry32From(hashString(`${tensorName}#${modelIndex}`, hashString(String(seed))), skip);
}
