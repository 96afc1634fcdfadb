// Third-round router variants (bench/api-routing-results.md) on a whole fold set in one process: the router's two
// heads are trained once per fold exactly as runRoutingBench trains them (so `base` is routing-folds.ts's figure,
// fold for fold), and every variant scores the same held-out rows from them. Variants that need more heads train
// them only when asked for. The router itself is unchanged; this is a measuring tool.
//   node --import tsx bench/routing-variants.ts /work/shared/data/routellm/mmlu.jsonl [--folds-set standard|sibling]
//     [--order 1] [--variants base,knn-g100x0.5,…] [--out FILE.json]
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { routerFeatures, type FeatureVector } from "../src/core/collab/api/features";
import { OnlineLogistic } from "../src/core/collab/api/logistic";
import { foldSet, heldOutDomains } from "./held-out-folds";
import { neighbourMean, PromptIndex } from "./prompt-knn";
import { ROUTER_EPOCHS, ROUTER_L2, shuffled } from "../src/bench/routing";
import { readRoutingFile } from "../src/bench/routing-data";
import { routingMetrics } from "../src/bench/routing-metrics";

/** What a variant can read for held-out row `i`: head probabilities by name, and kNN means over training rows. */
interface Scoring {
  head(name: HeadName, i: number): number;
  knnGain(k: number, i: number, weighted?: boolean): number;
  knnPredicted(k: number, i: number): number;
}

type HeadName = "s" | "w" | "s:l2=3e-3" | "s:l2=3e-2" | "w:l2=3e-3" | "w:l2=3e-2" | "s:cues" | "w:cues";

const sig = (z: number): number => 1 / (1 + Math.exp(-z));
const logit = (p: number): number => Math.log(p / (1 - p));
/** The difference of the heads' probabilities after scaling both log-odds by `a`: how far the ceiling counts. */
const tempered = (c: Scoring, i: number, a: number): number => sig(a * logit(c.head("s", i))) - sig(a * logit(c.head("w", i)));
const gain = (c: Scoring, i: number): number => c.head("s", i) - c.head("w", i);

const VARIANTS: Record<string, (c: Scoring, i: number) => number> = {
  base: gain,
  // (a) kNN: mean gain (s − w, centred on the training mean) of the nearest training prompts, added to the heads'.
  "knn-g30x0.25": (c, i) => gain(c, i) + 0.25 * c.knnGain(30, i),
  "knn-g30x0.5": (c, i) => gain(c, i) + 0.5 * c.knnGain(30, i),
  "knn-g30x1": (c, i) => gain(c, i) + c.knnGain(30, i),
  "knn-g100x0.25": (c, i) => gain(c, i) + 0.25 * c.knnGain(100, i),
  "knn-g100x0.5": (c, i) => gain(c, i) + 0.5 * c.knnGain(100, i),
  "knn-g100x1": (c, i) => gain(c, i) + c.knnGain(100, i),
  "knn-g100x2": (c, i) => gain(c, i) + 2 * c.knnGain(100, i),
  "knn-g50-unweighted-x0.5": (c, i) => gain(c, i) + 0.5 * c.knnGain(50, i, false),
  "knn-p50x0.5": (c, i) => gain(c, i) + 0.5 * c.knnPredicted(50, i),
  "knn-p50x1": (c, i) => gain(c, i) + c.knnPredicted(50, i),
  "knn-g100-only": (c, i) => c.knnGain(100, i),
  // (b) the gain is at most 1 − p(weak): shrink it where the weak model looks near its ceiling.
  "bound^0.25": (c, i) => gain(c, i) * Math.pow(1 - c.head("w", i), 0.25),
  "bound^0.5": (c, i) => gain(c, i) * Math.sqrt(1 - c.head("w", i)),
  "bound^1": (c, i) => gain(c, i) * (1 - c.head("w", i)),
  // (c) the heads' log-odds scaled before the difference; each head's own L2; a topic-free (cues-only) pair added.
  "temp0.5": (c, i) => tempered(c, i, 0.5),
  "temp0.75": (c, i) => tempered(c, i, 0.75),
  "temp1.5": (c, i) => tempered(c, i, 1.5),
  temp2: (c, i) => tempered(c, i, 2),
  "temp0.75+knn-g100x0.5": (c, i) => tempered(c, i, 0.75) + 0.5 * c.knnGain(100, i),
  "strong-l2=3e-3": (c, i) => c.head("s:l2=3e-3", i) - c.head("w", i),
  "strong-l2=3e-2": (c, i) => c.head("s:l2=3e-2", i) - c.head("w", i),
  "weak-l2=3e-3": (c, i) => c.head("s", i) - c.head("w:l2=3e-3", i),
  "weak-l2=3e-2": (c, i) => c.head("s", i) - c.head("w:l2=3e-2", i),
  "cues-pair-x0.5": (c, i) => gain(c, i) + 0.5 * (c.head("s:cues", i) - c.head("w:cues", i)),
  "cues-pair-x1": (c, i) => gain(c, i) + c.head("s:cues", i) - c.head("w:cues", i),
  "l2-ensemble": (c, i) => gain(c, i) + c.head("s:l2=3e-3", i) - c.head("w:l2=3e-3", i) + c.head("s:l2=3e-2", i) - c.head("w:l2=3e-2", i),
};

const LEXICAL = /^(?:w|w2|c4):/;

function topicFree(v: FeatureVector): FeatureVector {
  return v.select(v.name.flatMap((n, j) => (LEXICAL.test(n) ? [] : [j])));
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      "folds-set": { type: "string", default: "standard" },
      order: { type: "string", default: "1" },
      variants: { type: "string" },
      out: { type: "string" },
    },
  });
  const setName = values["folds-set"];
  const order = Number(values.order);
  const names = values.variants ? values.variants.split(",") : Object.keys(VARIANTS);
  if (!positionals[0] || (setName !== "standard" && setName !== "sibling") || !Number.isInteger(order) || names.some((n) => !VARIANTS[n]))
    throw new Error(`usage: routing-variants.ts IN.jsonl [--folds-set standard|sibling] [--order N] [--variants ${Object.keys(VARIANTS).join(",")}]`);
  if (!names.includes("base")) names.unshift("base");
  const rows = readRoutingFile(positionals[0]);
  const n = rows.length;
  const x = rows.map((r) => routerFeatures({ text: r.prompt, surface: "bench" }));
  const needsCues = names.some((v) => v.startsWith("cues"));
  const xCues = needsCues ? x.map(topicFree) : [];
  const index = new PromptIndex(rows.map((r) => r.prompt));
  const label = { s: rows.map((r) => Number(r.strongCorrect)), w: rows.map((r) => Number(r.weakCorrect)) };
  const perVariant: Record<string, number[]> = Object.fromEntries(names.map((v) => [v, []]));
  for (const spec of foldSet(setName)) {
    const held = heldOutDomains(
      rows.map((r) => r.domain),
      spec,
    );
    const train = rows.flatMap((r, i) => (held.has(r.domain) ? [] : [i]));
    const test = rows.flatMap((r, i) => (held.has(r.domain) ? [i] : []));
    const isTrain = new Uint8Array(n);
    for (const i of train) isTrain[i] = 1;
    const heads = new Map<HeadName, Float64Array>();
    const head = (name: HeadName): Float64Array => {
      let p = heads.get(name);
      if (p) return p;
      const [who, what] = name.split(":") as ["s" | "w", string | undefined];
      const l2 = what?.startsWith("l2=") ? Number(what.slice(3)) : ROUTER_L2;
      const feats = what === "cues" ? xCues : x;
      const m = new OnlineLogistic({ learningRate: 0.05, l2 });
      for (let e = 0; e < ROUTER_EPOCHS; e++) for (const i of shuffled(train, order + e)) m.update(feats[i]!, label[who][i]!);
      p = new Float64Array(n);
      // Training rows too: the kNN-of-predictions variant averages the heads' in-sample gain over neighbours.
      for (let i = 0; i < n; i++) p[i] = m.predict(feats[i]!);
      heads.set(name, p);
      return p;
    };
    const nb = names.some((v) => v.includes("knn")) ? index.nearest(test, isTrain, 100) : [];
    const pos = new Map(test.map((i, t) => [i, t]));
    const meanGain = train.reduce((s, i) => s + label.s[i]! - label.w[i]!, 0) / train.length;
    const scoring: Scoring = {
      head: (name, i) => head(name)[i]!,
      knnGain: (k, i, weighted = true) => neighbourMean(nb[pos.get(i)!]!, k, (r) => label.s[r]! - label.w[r]! - meanGain, weighted),
      knnPredicted: (k, i) => neighbourMean(nb[pos.get(i)!]!, k, (r) => head("s")[r]! - head("w")[r]!),
    };
    const outcomes = test.map((i) => rows[i]!);
    const line: Record<string, unknown> = { ...spec };
    for (const v of names) {
      const apgr = routingMetrics(
        outcomes,
        test.map((i) => VARIANTS[v]!(scoring, i)),
        { weakCostRatio: 0.01, paysWeakAlways: false },
      ).apgr;
      perVariant[v]!.push(apgr);
      line[v] = apgr;
    }
    console.log(JSON.stringify(line));
  }
  const base = perVariant.base!;
  const summary = names.map((v) => {
    const a = perVariant[v]!;
    return {
      variant: v,
      mean: Number((a.reduce((s, y) => s + y, 0) / a.length).toFixed(4)),
      lowest: Math.min(...a),
      below_060: a.filter((y) => y < 0.6).length,
      worse_than_base: a.filter((y, i) => y < base[i]!).length,
    };
  });
  for (const s of summary) console.log(JSON.stringify({ set: setName, order, ...s }));
  if (values.out) writeFileSync(values.out, JSON.stringify({ set: setName, order, summary, perFold: perVariant }, null, 2) + "\n");
}

main();
