// `chorus bench routing`: train the router (or the cascade's answer scorer) on one RouteLLM-format file and
// report RouteLLM's metrics on another. The same feature code and online learner as the extension are used, so
// the figures describe what users get; training is several shuffled passes of the online updates.

import { answerFeatures } from "../src/core/collab/api/answer-features";
import { requestFeatures, type FeatureVector } from "../src/core/collab/api/features";
import { OnlineLogistic } from "../src/core/collab/api/logistic";
import type { RoutingRow } from "./routing-data";
import { routingMetrics, type RoutingMetrics } from "./routing-metrics";

export type RoutingStrategy = "router" | "cascade";

export interface RoutingBenchOptions {
  strategy: RoutingStrategy;
  epochs?: number;
  weakCostRatio?: number;
  seed?: number;
}

export interface RoutingBenchResult extends RoutingMetrics {
  strategy: RoutingStrategy;
  train_rows: number;
  weak_cost_ratio: number;
}

function featuresFor(row: RoutingRow, strategy: RoutingStrategy): FeatureVector {
  if (strategy === "router") return requestFeatures({ text: row.prompt, surface: "bench" });
  if (row.weakResponse === undefined)
    throw new Error(`Row ${row.id} has no "weak_response"; the cascade strategy reads the weak model's answer, so every row needs one.`);
  return answerFeatures({ text: row.prompt, surface: "bench", answer: row.weakResponse });
}

/**
 * What the learner predicts: that the strong model would do better than the weak one. Rows where both agree
 * teach "no gain" (label 0) at half weight so the model spends its capacity on the rows that matter.
 */
function label(row: RoutingRow): { y: number; w: number } {
  if (row.strongCorrect && !row.weakCorrect) return { y: 1, w: 1 };
  if (!row.strongCorrect && row.weakCorrect) return { y: 0, w: 1 };
  return { y: row.weakCorrect ? 0 : 0.5, w: 0.5 };
}

/** Deterministic shuffle (mulberry32) so a benchmark run is repeatable. */
function shuffled<T>(xs: T[], seed: number): T[] {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function trainScorer(train: RoutingRow[], strategy: RoutingStrategy, epochs: number, seed: number): OnlineLogistic {
  const model = new OnlineLogistic({ learningRate: 0.05, l2: 1e-3 });
  const examples = train.map((r) => ({ x: featuresFor(r, strategy), ...label(r) }));
  for (let e = 0; e < epochs; e++) for (const ex of shuffled(examples, seed + e)) model.update(ex.x, ex.y, ex.w);
  return model;
}

export function runRoutingBench(train: RoutingRow[], test: RoutingRow[], opts: RoutingBenchOptions): RoutingBenchResult {
  const epochs = opts.epochs ?? 4;
  const model = trainScorer(train, opts.strategy, epochs, opts.seed ?? 1);
  const scores = test.map((r) => model.margin(featuresFor(r, opts.strategy)));
  const weakCostRatio = opts.weakCostRatio ?? 0.01;
  const m = routingMetrics(test, scores, { weakCostRatio, paysWeakAlways: opts.strategy === "cascade" });
  return { strategy: opts.strategy, train_rows: train.length, weak_cost_ratio: weakCostRatio, ...m };
}
