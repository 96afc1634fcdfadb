// RouteLLM's routing metrics. A router orders the prompts by how much they seem to need the strong model; sending
// the top fraction c to the strong model gives an accuracy acc(c). PGR(c) = (acc(c) − acc(weak)) / (acc(strong) −
// acc(weak)); APGR is its mean over c in [0, 1]; CPT(x) the smallest c with PGR ≥ x.

export interface Outcome {
  weakCorrect: boolean;
  strongCorrect: boolean;
}

export interface CurvePoint {
  strong_share: number;
  accuracy: number;
  pgr: number;
}

export interface RoutingMetrics {
  n: number;
  weak_accuracy: number;
  strong_accuracy: number;
  apgr: number;
  cpt50: number | null;
  cpt80: number | null;
  /** Cost relative to always calling the strong model, at the cheapest point reaching 95% of its accuracy. */
  cost_at_95: number | null;
  curve: CurvePoint[];
}

export interface MetricOptions {
  /** Price of one weak call relative to one strong call. */
  weakCostRatio: number;
  /** A cascade calls the weak model on every prompt; a router only on those it keeps. */
  paysWeakAlways: boolean;
  /** How many points the reported curve has (the metrics use every point). */
  curvePoints?: number;
}

/** `scores[i]` high = send prompt i to the strong model. Ties are broken by order, which is the file's order. */
export function routingMetrics(outcomes: Outcome[], scores: number[], opts: MetricOptions): RoutingMetrics {
  const n = outcomes.length;
  if (n === 0 || scores.length !== n) throw new Error("routingMetrics: need one score per outcome");
  const order = outcomes.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const weakAcc = outcomes.filter((o) => o.weakCorrect).length / n;
  const strongAcc = outcomes.filter((o) => o.strongCorrect).length / n;
  const gap = strongAcc - weakAcc;
  // acc after k prompts go to the strong model, for k = 0..n
  const acc: number[] = [weakAcc];
  let correct = weakAcc * n;
  for (const i of order) {
    const o = outcomes[i]!;
    correct += Number(o.strongCorrect) - Number(o.weakCorrect);
    acc.push(correct / n);
  }
  const pgr = acc.map((a) => (gap === 0 ? 1 : (a - weakAcc) / gap));
  // Trapezoid rule over c = k/n.
  let area = 0;
  for (let k = 1; k <= n; k++) area += (pgr[k - 1]! + pgr[k]!) / 2 / n;
  const cpt = (x: number): number | null => {
    const k = pgr.findIndex((p) => p >= x);
    return k < 0 ? null : k / n;
  };
  const k95 = acc.findIndex((a) => a >= 0.95 * strongAcc);
  const cost = (c: number): number => c + (opts.paysWeakAlways ? 1 : 1 - c) * opts.weakCostRatio;
  const points = opts.curvePoints ?? 20;
  const curve: CurvePoint[] = [];
  for (let j = 0; j <= points; j++) {
    const k = Math.round((j / points) * n);
    curve.push({ strong_share: round(k / n), accuracy: round(acc[k]!), pgr: round(pgr[k]!) });
  }
  return {
    n,
    weak_accuracy: round(weakAcc),
    strong_accuracy: round(strongAcc),
    apgr: round(area),
    cpt50: roundOrNull(cpt(0.5)),
    cpt80: roundOrNull(cpt(0.8)),
    cost_at_95: k95 < 0 ? null : round(cost(k95 / n)),
    curve,
  };
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

function roundOrNull(x: number | null): number | null {
  return x === null ? null : round(x);
}
