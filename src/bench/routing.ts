// `chorus bench routing`: train the router (or the cascade's answer scorer) on one RouteLLM-format file and
// report RouteLLM's metrics on another. The same feature code and online learner as the extension are used, so
// the figures describe what users get; training is several shuffled passes of the online updates.

import { answerFeatures } from "../core/collab/api/answer-features";
import { routerFeatures, type FeatureVector } from "../core/collab/api/features";
import { OnlineLogistic } from "../core/collab/api/logistic";
import type { RoutingRow } from "./routing-data";
import { routingMetrics, type RoutingMetrics } from "./routing-metrics";

export type RoutingStrategy = "router" | "cascade";

export interface RoutingBenchOptions {
  strategy: RoutingStrategy;
  epochs?: number;
  weakCostRatio?: number;
  seed?: number;
  /** L2 strength; by default ROUTER_L2 or CASCADE_L2. */
  l2?: number;
}

export interface RoutingBenchResult extends RoutingMetrics {
  strategy: RoutingStrategy;
  train_rows: number;
  weak_cost_ratio: number;
  epochs: number;
  l2: number;
}

function featuresFor(row: RoutingRow, strategy: RoutingStrategy): FeatureVector {
  if (strategy === "router") return routerFeatures({ text: row.prompt, surface: "bench" });
  if (row.weakResponse === undefined)
    throw new Error(`Row ${row.id} has no "weak_response"; the cascade strategy reads the weak model's answer, so every row needs one.`);
  return answerFeatures({ text: row.prompt, surface: "bench", answer: row.weakResponse });
}

/**
 * What is learned: two heads on the same features, one predicting that the strong model answers correctly and
 * one that the weak model does; a prompt's score is the difference, the expected accuracy gained by sending it
 * to the strong model. On MMLU subjects held out of training this ranks better than one head trained on "strong
 * right and weak wrong" (APGR 0.597 vs 0.571, three folds by subject), because each head learns a plain
 * difficulty signal that carries over between subjects, while the gain label is rare and noisy.
 */
export interface GainScorer {
  strong: OnlineLogistic;
  weak: OnlineLogistic;
  score(x: FeatureVector): number;
}

/** Deterministic shuffle (mulberry32) so a benchmark run is repeatable. */
export function shuffled<T>(xs: T[], seed: number): T[] {
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

/**
 * L2 for the router's heads. Across held-out-subject folds (3 and 5 by subject, 3 passes) APGR is flat from 1e-2 to 3e-2
 * and lower at 1e-3 (0.605) and 1e-1 (0.605). Choosing it by a nested 3-fold split over the training subjects
 * was tried: the inner folds mostly preferred 1e-3, so it scored 0.605 against 0.610 for the fixed value, at ten
 * times the training cost, and was dropped.
 */
export const ROUTER_L2 = 1e-2;
/** The cascade's scorer keeps the L2 its figures were measured with. */
const CASCADE_L2 = 1e-3;

interface Example {
  x: FeatureVector;
  r: RoutingRow;
}

function fit(examples: Example[], epochs: number, seed: number, l2: number): GainScorer {
  const strong = new OnlineLogistic({ learningRate: 0.05, l2 });
  const weak = new OnlineLogistic({ learningRate: 0.05, l2 });
  for (let e = 0; e < epochs; e++)
    for (const { x, r } of shuffled(examples, seed + e)) {
      strong.update(x, Number(r.strongCorrect));
      weak.update(x, Number(r.weakCorrect));
    }
  return { strong, weak, score: (x) => strong.predict(x) - weak.predict(x) };
}

export function trainScorer(train: RoutingRow[], strategy: RoutingStrategy, epochs: number, seed: number, l2?: number): GainScorer & { l2: number } {
  const examples = train.map((r) => ({ x: featuresFor(r, strategy), r }));
  const chosen = l2 ?? (strategy === "router" ? ROUTER_L2 : CASCADE_L2);
  return { ...fit(examples, epochs, seed, chosen), l2: chosen };
}

/**
 * Passes over the training file. The router's held-out-subject APGR rises from 3 passes (0.610 over the 3- and
 * 5-fold splits) to 5 (0.618) and is flat at 8; the cascade keeps the 3 its figures were measured with.
 */
export const ROUTER_EPOCHS = 5;
const CASCADE_EPOCHS = 3;

export function runRoutingBench(train: RoutingRow[], test: RoutingRow[], opts: RoutingBenchOptions): RoutingBenchResult {
  const strongWins = test.filter((r) => r.strongCorrect).length - test.filter((r) => r.weakCorrect).length;
  // APGR is the share of the strong model's accuracy gain a router recovers: with no gain there is nothing to share.
  if (strongWins === 0)
    throw new Error(
      `the weak and strong models are equally accurate on the test file (${test.length} rows), so APGR and CPT are undefined; test on prompts where the strong model does better`,
    );
  const epochs = opts.epochs ?? (opts.strategy === "router" ? ROUTER_EPOCHS : CASCADE_EPOCHS);
  const model = trainScorer(train, opts.strategy, epochs, opts.seed ?? 1, opts.l2);
  const scores = test.map((r) => model.score(featuresFor(r, opts.strategy)));
  const weakCostRatio = opts.weakCostRatio ?? 0.01;
  const m = routingMetrics(test, scores, { weakCostRatio, paysWeakAlways: opts.strategy === "cascade" });
  return { strategy: opts.strategy, train_rows: train.length, weak_cost_ratio: weakCostRatio, epochs, l2: model.l2, ...m };
}
