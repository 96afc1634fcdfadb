// The shared core of every mixing strategy here: a weighted sum of log-probabilities, Σ cᵢ · log pᵢ(t), over a
// candidate set. Contrastive decoding, DExperts, proxy-tuning, products of experts and context-contrastive decoding
// differ only in the coefficients and in which tokens may be candidates.
//
// Working on log-probabilities rather than raw logits changes nothing after renormalisation: log pᵢ = zᵢ − log Zᵢ,
// so the sum differs from the logit form by a constant per step, which softmax cancels.
//
// This runs once per generated token, so it is written to be O(read-out entries) with typed arrays indexed by
// token id (module-level scratch, safe because it is synchronous) rather than Map look-ups per candidate.

import { missingLogprob, type NextTokenDist, type TokenId } from "../distribution";
import type { Mixed } from "./types";

let slotOf = new Int32Array(1024);
let stampOf = new Uint32Array(1024);
let stamp = 0;

/**
 * Grow the scratch to hold `token`, keeping what it holds: a caller may grow it midway through stamping its
 * candidates (a vocabulary above 1024 ids meets that on its first mix), and those stamps must survive.
 */
function ensureCapacity(token: TokenId): void {
  if (token < slotOf.length) return;
  const size = Math.max(token + 1, slotOf.length * 2);
  const slots = new Int32Array(size);
  const stamps = new Uint32Array(size);
  slots.set(slotOf);
  stamps.set(stampOf);
  slotOf = slots;
  stampOf = stamps;
}

function nextStamp(): number {
  if (++stamp === 0xffffffff) {
    stampOf.fill(0);
    stamp = 1;
  }
  return stamp;
}

/** The union of the read-out entries of the lanes with a positive coefficient (first-seen order), plus `required`. */
export function candidateUnion(dists: readonly NextTokenDist[], coeffs: readonly number[], required?: TokenId): TokenId[] {
  const s = nextStamp();
  const out: TokenId[] = [];
  const add = (t: TokenId) => {
    ensureCapacity(t);
    if (stampOf[t] === s) return;
    stampOf[t] = s;
    out.push(t);
  };
  if (required !== undefined) add(required);
  for (let i = 0; i < dists.length; i++) if (coeffs[i]! > 0) for (const t of dists[i]!.logits.keys()) add(t);
  return out;
}

export function linearMix(dists: readonly NextTokenDist[], coeffs: readonly number[], candidates: TokenId[]): Mixed {
  if (dists.length !== coeffs.length) throw new Error(`linearMix: ${dists.length} distributions but ${coeffs.length} coefficients`);
  const n = candidates.length;
  const scores = new Float64Array(n);
  const covered = new Uint8Array(n);
  const s = nextStamp();
  for (let j = 0; j < n; j++) {
    const t = candidates[j]!;
    ensureCapacity(t);
    stampOf[t] = s;
    slotOf[t] = j;
  }
  for (let i = 0; i < dists.length; i++) {
    const c = coeffs[i]!;
    if (c === 0) continue;
    const d = dists[i]!;
    covered.fill(0);
    // Entries this lane read out: their exact log-probability.
    for (const [t, z] of d.logits) {
      if (t >= stampOf.length || stampOf[t] !== s) continue;
      const j = slotOf[t]!;
      scores[j]! += c * (z - d.logZ);
      covered[j] = 1;
    }
    // Candidates this lane left out: its bound (or −∞ when the read-out was complete).
    const missing = missingLogprob(d);
    for (let j = 0; j < n; j++) if (covered[j] === 0) scores[j]! += c * missing;
  }
  // (−∞) − (−∞) is NaN: a token impossible under a positively weighted lane stays impossible.
  for (let j = 0; j < n; j++) if (Number.isNaN(scores[j]!)) scores[j] = -Infinity;
  return { tokens: candidates, scores };
}

/** `tokens` plus `required` when it is not already there. */
export function withRequired(tokens: TokenId[], required: TokenId | undefined): TokenId[] {
  if (required !== undefined && !tokens.includes(required)) tokens.push(required);
  return tokens;
}
