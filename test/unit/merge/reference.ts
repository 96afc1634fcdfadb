// Independent reference implementations of the merge formulas, written from merge-methods.md in the plainest
// style (number arrays, sort of [magnitude, index] pairs, no shared code with src/sidecar/merge/methods), so
// that the tests compare two separate readings of the same semantics.
import type { Rng } from "../../../src/sidecar/merge/rng";

type V = number[];
const arr = (x: ArrayLike<number>): V => Array.from(x);

/** Index sets ordered by magnitude, largest first. */
function byMagnitudeDesc(x: V): number[] {
  return x
    .map((v, i) => [Math.abs(v), i] as const)
    .sort((a, b) => b[0] - a[0] || b[1] - a[1])
    .map((p) => p[1]);
}

export function refLinear(models: ArrayLike<number>[], w: number[], normalize = true): V {
  const sw = w.reduce((a, b) => a + b, 0);
  return arr(models[0]!).map((_, j) => models.reduce((s, m, i) => s + w[i]! * m[j]!, 0) / (normalize ? sw : 1));
}

export function refTopK(delta: V, density: number): V {
  const k = Math.floor(density * delta.length);
  const keep = new Set(byMagnitudeDesc(delta).slice(0, k));
  return delta.map((v, i) => (keep.has(i) ? v : 0));
}

export function refDare(delta: V, density: number, rng: Rng): V {
  const kept = delta.map((v) => (rng() < density ? v : 0));
  return rescaledL1(delta, kept);
}

/** mergekit/sparsify.py rescaled_masked_tensor with norm l1: one factor for the whole tensor, none below 1e-7. */
export function rescaledL1(delta: V, kept: V): V {
  const l1 = (x: V) => x.reduce((s, v) => s + Math.abs(v), 0);
  const scale = l1(delta) >= 1e-7 && l1(kept) >= 1e-7 ? l1(delta) / l1(kept) : 1;
  return kept.map((v) => v * scale);
}

export function refBreadcrumbs(delta: V, density: number, gamma: number): V {
  const n = delta.length;
  const order = byMagnitudeDesc(delta); // largest first
  const keepCount = Math.floor(density * n);
  const top = Math.min(Math.floor(gamma * n), n - keepCount);
  const keep = new Set(order.slice(top, top + keepCount));
  return delta.map((v, i) => (keep.has(i) ? v : 0));
}

/**
 * mergekit/sparsify.py della_magprune: per row, keep probability (density − ε) + 2ε·(rank − min)/(max − min) with
 * rank 1 the smallest magnitude; a Bernoulli mask; then (rescale, on by default for della) the L1 rescale of the
 * whole tensor — not a division of each kept entry by its own probability.
 */
export function refDella(delta: V, rowLength: number, density: number, eps: number, rng: Rng, rescale = true): V {
  const out: V = [];
  for (let s = 0; s < delta.length; s += rowLength) {
    const row = delta.slice(s, s + rowLength);
    // rank 0 = smallest magnitude
    const ascending = byMagnitudeDesc(row).reverse();
    const p: V = new Array<number>(row.length).fill(0);
    ascending.forEach((idx, rank) => (p[idx] = density - eps + (2 * eps * rank) / (row.length - 1)));
    row.forEach((v, j) => out.push(rng() < p[j]! ? v : 0));
  }
  return rescale ? rescaledL1(delta, out) : out;
}

/** base + λ·(Σ masked wᵢδᵢ) / divisor, with an optional majority-sign mask. */
export function refCombine(base: ArrayLike<number>, deltas: V[], w: number[], opts: { signVote: boolean; normalize: boolean; lambda?: number }): V {
  return arr(base).map((b, j) => {
    const wd = deltas.map((d, i) => w[i]! * d[j]!);
    const total = wd.reduce((a, c) => a + c, 0);
    const sign = total >= 0 ? 1 : -1;
    const use = wd.map((x) => !opts.signVote || Math.sign(x) === sign);
    const mixed = wd.reduce((a, x, i) => a + (use[i] ? x : 0), 0);
    let div = w.reduce((a, x, i) => a + (use[i] ? x : 0), 0);
    if (div === 0) div = 1;
    return b + (opts.lambda ?? 1) * (opts.normalize ? mixed / div : mixed);
  });
}

export function refSlerp(t: number, a: ArrayLike<number>, b: ArrayLike<number>): V {
  const x = arr(a);
  const y = arr(b);
  const norm = (v: V) => Math.hypot(...v);
  const cos = x.reduce((s, v, i) => s + v * y[i]!, 0) / (norm(x) * norm(y));
  if (Math.abs(cos) > 0.9995) return x.map((v, i) => (1 - t) * v + t * y[i]!);
  const th = Math.acos(cos);
  return x.map((v, i) => (Math.sin((1 - t) * th) * v + Math.sin(t * th) * y[i]!) / Math.sin(th));
}

export function refModelStock(base: ArrayLike<number>, models: ArrayLike<number>[]): V {
  const b = arr(base);
  const deltas = models.map((m) => arr(m).map((v, i) => v - b[i]!));
  const cosines: number[] = [];
  for (let i = 0; i < deltas.length; i++)
    for (let j = i + 1; j < deltas.length; j++) {
      const di = deltas[i]!;
      const dj = deltas[j]!;
      cosines.push(di.reduce((s, v, k) => s + v * dj[k]!, 0) / (Math.hypot(...di) * Math.hypot(...dj)));
    }
  const cos = cosines.reduce((a, c) => a + c, 0) / cosines.length;
  const n = models.length;
  const t = (n * cos) / (1 + (n - 1) * cos);
  return b.map((v, k) => t * (models.reduce((s, m) => s + m[k]!, 0) / n) + (1 - t) * v);
}
