// Online logistic regression over hashed sparse features, trained one example at a time (AdaGrad steps with L2
// shrinkage), so a user's feedback improves the next decision immediately and nothing needs a batch retrain.
// Soft labels in [0, 1] are allowed: "partly kept" feedback is a fraction, not a yes/no.

import type { FeatureVector } from "./features";

export interface LogisticState {
  version: 1;
  /** Training examples seen, for explanations ("learned from 42 ratings"). */
  seen: number;
  /** Hashed index → [weight, AdaGrad accumulator]. */
  w: Record<string, [number, number]>;
}

export interface LogisticOptions {
  learningRate?: number;
  l2?: number;
  /**
   * The most one example may move its own score, in log-odds (unbounded when absent). AdaGrad's first step on a
   * feature is the full learning rate whatever the gradient, and a request has a dozen dense cues at value 1, so a
   * single user signal (one completion typed over) moved the router from p 0.15 to 0.78; online feedback caps it.
   */
  maxStep?: number;
}

export interface Contribution {
  name: string;
  value: number;
}

export class OnlineLogistic {
  private readonly w = new Map<number, [number, number]>();
  seen = 0;
  private readonly lr: number;
  private readonly l2: number;
  private readonly maxStep: number;

  constructor(opts: LogisticOptions = {}) {
    this.lr = opts.learningRate ?? 0.1;
    this.l2 = opts.l2 ?? 1e-5;
    this.maxStep = opts.maxStep ?? Infinity;
  }

  /** The raw score (log-odds). */
  margin(x: FeatureVector): number {
    let z = 0;
    for (let i = 0; i < x.idx.length; i++) z += (this.w.get(x.idx[i]!)?.[0] ?? 0) * x.val[i]!;
    return z;
  }

  predict(x: FeatureVector): number {
    return sigmoid(this.margin(x));
  }

  /**
   * One step towards `label` (0..1) with importance `weight`. `offset` is a fixed log-odds added to the score
   * (the router's zero-shot prior), so the weights learn only the correction to it.
   */
  update(x: FeatureVector, label: number, weight = 1, offset = 0): void {
    const y = Math.min(1, Math.max(0, label));
    const g = (sigmoid(offset + this.margin(x)) - y) * weight;
    const cells: [number, number][] = [];
    const steps: number[] = [];
    let moved = 0;
    for (let i = 0; i < x.idx.length; i++) {
      const k = x.idx[i]!;
      // Stored at once, so a feature whose hash appears twice in x updates one cell.
      const cell = this.w.get(k) ?? [0, 1e-8];
      this.w.set(k, cell);
      const grad = g * x.val[i]! + this.l2 * cell[0];
      cell[1] += grad * grad;
      const step = (this.lr * grad) / Math.sqrt(cell[1]);
      cells.push(cell);
      steps.push(step);
      moved += step * x.val[i]!;
    }
    // Shrink the whole step when it would move this example's score by more than maxStep (see LogisticOptions).
    const scale = Math.abs(moved) > this.maxStep ? this.maxStep / Math.abs(moved) : 1;
    for (let i = 0; i < x.idx.length; i++) cells[i]![0] -= scale * steps[i]!;
    this.seen++;
  }

  /** The features that pushed this score most, strongest first, for "why this model". Only those are named. */
  explain(x: FeatureVector, top = 3): Contribution[] {
    const parts: { i: number; value: number }[] = [];
    for (let i = 0; i < x.idx.length; i++) {
      const v = (this.w.get(x.idx[i]!)?.[0] ?? 0) * x.val[i]!;
      if (v !== 0) parts.push({ i, value: v });
    }
    return parts
      .sort((a, b) => Math.abs(b.value) - Math.abs(a.value))
      .slice(0, top)
      .map(({ i, value }) => ({ name: x.nameOf(i), value }));
  }

  toJSON(): LogisticState {
    const w: Record<string, [number, number]> = {};
    // Round to keep the per-user file small; 6 significant digits are far below the model's noise.
    for (const [k, [a, b]] of this.w) if (Math.abs(a) > 1e-7) w[k] = [Number(a.toPrecision(6)), Number(b.toPrecision(6))];
    return { version: 1, seen: this.seen, w };
  }

  static fromJSON(state: unknown, opts: LogisticOptions = {}): OnlineLogistic {
    const m = new OnlineLogistic(opts);
    if (typeof state !== "object" || state === null) throw new Error("not an object");
    const s = state as Partial<LogisticState>;
    if (s.version !== 1 || typeof s.w !== "object" || s.w === null) throw new Error("unknown model format (expected version 1)");
    for (const [k, cell] of Object.entries(s.w)) {
      const idx = Number(k);
      if (!Number.isInteger(idx) || !Array.isArray(cell) || cell.length !== 2 || !cell.every((n) => typeof n === "number" && Number.isFinite(n)))
        throw new Error(`bad weight entry "${k}"`);
      m.w.set(idx, [cell[0]!, cell[1]!]);
    }
    m.seen = typeof s.seen === "number" ? s.seen : 0;
    return m;
  }
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function logit(p: number): number {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
}
