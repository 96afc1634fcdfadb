// Nearest training prompts by the cosine of tf-idf vectors over words and word bigrams, whatever their subject:
// the kNN component measured in the third round of router variants (bench/routing-variants.ts). Terms in one
// row only, or in more than `dfCap` of the rows, are dropped: the rare ones match nothing and the common ones
// ("the", "which_of") make every prompt a neighbour of every other and cost most of the time.
import { words } from "../src/core/collab/api/features";

export interface Neighbours {
  idx: Int32Array;
  sim: Float64Array;
}

export class PromptIndex {
  private readonly vecs: { id: Int32Array; w: Float64Array }[];
  private readonly postings: { row: number[]; w: number[] }[] = [];

  constructor(prompts: string[], dfCap = 0.03) {
    const terms = prompts.map((p) => {
      const ws = words(p);
      const t = new Set(ws);
      for (let i = 1; i < ws.length; i++) t.add(`${ws[i - 1]}_${ws[i]}`);
      return [...t];
    });
    const df = new Map<string, number>();
    for (const ts of terms) for (const t of ts) df.set(t, (df.get(t) ?? 0) + 1);
    const ids = new Map<string, number>();
    const n = prompts.length;
    this.vecs = terms.map((ts) => {
      const id: number[] = [];
      const w: number[] = [];
      for (const t of ts) {
        const d = df.get(t)!;
        if (d < 2 || d > dfCap * n) continue;
        let k = ids.get(t);
        if (k === undefined) ids.set(t, (k = ids.size));
        id.push(k);
        w.push(Math.log(n / d));
      }
      const norm = Math.sqrt(w.reduce((s, x) => s + x * x, 0)) || 1;
      return { id: Int32Array.from(id), w: Float64Array.from(w, (x) => x / norm) };
    });
    this.vecs.forEach((v, r) =>
      v.id.forEach((k, j) => {
        const p = (this.postings[k] ??= { row: [], w: [] });
        p.row.push(r);
        p.w.push(v.w[j]!);
      }),
    );
  }

  /** The `k` most similar rows among those with `allowed[row]` set, most similar first, for each query row. */
  nearest(queries: number[], allowed: Uint8Array, k: number): Neighbours[] {
    const acc = new Float64Array(this.vecs.length);
    const touched: number[] = [];
    return queries.map((q) => {
      const v = this.vecs[q]!;
      for (let j = 0; j < v.id.length; j++) {
        const p = this.postings[v.id[j]!]!;
        for (let m = 0; m < p.row.length; m++) {
          const r = p.row[m]!;
          if (!allowed[r]) continue;
          if (acc[r] === 0) touched.push(r);
          acc[r] = acc[r]! + v.w[j]! * p.w[m]!;
        }
      }
      touched.sort((a, b) => acc[b]! - acc[a]!);
      const idx = Int32Array.from(touched.slice(0, k));
      const sim = Float64Array.from(idx, (r) => acc[r]!);
      for (const r of touched) acc[r] = 0;
      touched.length = 0;
      return { idx, sim };
    });
  }
}

/** Similarity-weighted mean of `label` over the first `k` neighbours (0 with none). */
export function neighbourMean(nb: Neighbours, k: number, label: (row: number) => number, weighted = true): number {
  let s = 0;
  let w = 0;
  for (let j = 0; j < Math.min(k, nb.idx.length); j++) {
    const a = weighted ? nb.sim[j]! : 1;
    s += a * label(nb.idx[j]!);
    w += a;
  }
  return w > 0 ? s / w : 0;
}
