// "Merge for my code": search the merge parameter that minimises the merged model's cross-entropy on a sample of
// the user's files, and report the gain over each input model. One parameter is searched: slerp's t, or the
// share of each model (per-model weights; their scale too where the method is not normalized). Every candidate is a real merge evaluated in llama.cpp, so the budget
// of evaluations is small and the search is golden-section (one dimension) or coordinate descent (several).
import { rename, unlink } from "node:fs/promises";
import * as path from "node:path";
import { MergeConfigError } from "./params";
import { planInputs, validatePlan, type MergePlan } from "./plan";
import { runMerge } from "./run";

export type SearchTarget = "t" | "weights";

export interface OptimizeOptions {
  plan: MergePlan;
  target: SearchTarget;
  texts: readonly string[];
  out: string;
  /** Merges to evaluate (default 7). */
  evaluations?: number;
  /** Bits per byte of a GGUF file on the texts (crossEntropy() from cross-entropy.ts, or a stand-in). */
  evaluate: (file: string, texts: readonly string[], signal?: AbortSignal) => Promise<number>;
  signal?: AbortSignal;
  onStatus?: (line: string) => void;
}

export interface OptimizeReport {
  target: SearchTarget;
  best: { value: number[]; bitsPerByte: number };
  inputs: { model: string; bitsPerByte: number; gainBitsPerByte: number; gainPercent: number }[];
  tried: { value: number[]; bitsPerByte: number }[];
  out: string;
}

/** The plan with the searched value applied: t, or weights (one per model). */
function withValue(plan: MergePlan, target: SearchTarget, value: number[]): MergePlan {
  if (target === "t") return { ...plan, parameters: { ...plan.parameters, t: value[0]! } };
  return { ...plan, models: plan.models.map((m, i) => ({ ...m, parameters: { ...m.parameters, weight: value[i]! } })) };
}

function checkTarget(plan: MergePlan, target: SearchTarget): void {
  if (target === "t" && plan.method !== "slerp") throw new MergeConfigError(`searching t needs the slerp method; for ${plan.method} search the weights`);
  if (target === "weights" && plan.method === "slerp") throw new MergeConfigError(`slerp has no per-model weights; search t instead`);
  if (target === "weights" && plan.method === "linear" && plan.models.length < 2) throw new MergeConfigError(`searching weights needs at least two models`);
  validatePlan(plan);
}

export async function optimizeMerge(o: OptimizeOptions): Promise<OptimizeReport> {
  checkTarget(o.plan, o.target);
  const budget = Math.max(2, o.evaluations ?? 7);
  const dir = path.dirname(path.resolve(o.out));
  const tried: { value: number[]; bitsPerByte: number; file: string }[] = [];
  let best: (typeof tried)[number] | undefined;
  const say = o.onStatus ?? (() => undefined);

  const inputs: OptimizeReport["inputs"] = [];
  for (const file of planInputs(o.plan)) {
    o.signal?.throwIfAborted();
    say(`measuring ${path.basename(file)} on the sample…`);
    inputs.push({ model: file, bitsPerByte: await o.evaluate(file, o.texts, o.signal), gainBitsPerByte: 0, gainPercent: 0 });
  }

  const cache = new Map<string, number>();
  const f = async (value: number[]): Promise<number> => {
    const key = value.map((v) => v.toFixed(6)).join(",");
    const known = cache.get(key);
    if (known !== undefined) return known;
    o.signal?.throwIfAborted();
    const file = path.join(dir, `.chorus-merge-candidate-${process.pid}-${tried.length}.gguf`);
    const count = tried.length < budget ? `${tried.length + 1}/${budget}` : "the best input's end of the range";
    say(`merging and measuring ${o.target} = ${value.map((v) => v.toFixed(3)).join(", ")} (${count})…`);
    await runMerge({ plan: withValue(o.plan, o.target, value), out: file, signal: o.signal });
    let bits: number;
    try {
      bits = await o.evaluate(file, o.texts, o.signal);
    } catch (e) {
      await unlink(file).catch(() => undefined);
      throw e;
    }
    const entry = { value, bitsPerByte: bits, file };
    tried.push(entry);
    if (!best || bits < best.bitsPerByte) {
      if (best) await unlink(best.file).catch(() => undefined);
      best = entry;
    } else {
      await unlink(file).catch(() => undefined);
    }
    cache.set(key, bits);
    return bits;
  };

  try {
    if (o.target === "t" || (o.plan.models.length === 2 && weightsAreShares(o.plan))) {
      // One dimension: t, or model 1's share s of two models (weights s and 1 − s).
      const toValue = (x: number) => (o.target === "t" ? [x] : [x, 1 - x]);
      await goldenSection((x) => f(toValue(x)), budget);
      // For slerp and a normalized linear merge the ends of the range are the input models themselves, already
      // measured. When one of them beats every mix, the answer is that input (merged at that end, so the output
      // is still the merge the user asked for) — the report then shows no gain over it, honestly.
      if (endsAreInputs(o.plan)) {
        const ends =
          o.target === "t"
            ? ([
                [0, inputs[0]!],
                [1, inputs[1]!],
              ] as const)
            : ([
                [1, inputs[0]!],
                [0, inputs[1]!],
              ] as const);
        for (const [x, input] of ends) if (input.bitsPerByte < best!.bitsPerByte) await f(toValue(x));
      }
    } else {
      await coordinateDescent(f, o.plan.models.length, budget);
    }
    const winner = best!;
    await rename(winner.file, path.resolve(o.out));
    for (const input of inputs) {
      input.gainBitsPerByte = input.bitsPerByte - winner.bitsPerByte;
      input.gainPercent = (100 * input.gainBitsPerByte) / input.bitsPerByte;
    }
    return {
      target: o.target,
      best: { value: winner.value, bitsPerByte: winner.bitsPerByte },
      inputs,
      tried: tried.map(({ value, bitsPerByte }) => ({ value, bitsPerByte })),
      out: path.resolve(o.out),
    };
  } catch (e) {
    if (best) await unlink(best.file).catch(() => undefined);
    throw e;
  }
}

/**
 * Whether only the weights' ratio matters: a normalized linear merge divides by their sum. Elsewhere (task
 * arithmetic, TIES, DARE, an unnormalized linear merge) a weight scales its model's contribution, so the search
 * must cover the scale too, not only shares summing to 1.
 */
function weightsAreShares(plan: MergePlan): boolean {
  return plan.method === "linear" && plan.parameters.normalize !== false;
}

function endsAreInputs(plan: MergePlan): boolean {
  return plan.method === "slerp" || (plan.method === "linear" && plan.models.length === 2 && plan.parameters.normalize !== false);
}

const PHI = (Math.sqrt(5) - 1) / 2;

/** Minimise f on [0, 1] with `budget` evaluations, assuming one valley. */
async function goldenSection(f: (x: number) => Promise<number>, budget: number): Promise<void> {
  let lo = 0;
  let hi = 1;
  let x1 = hi - PHI * (hi - lo);
  let x2 = lo + PHI * (hi - lo);
  let f1 = await f(x1);
  let f2 = await f(x2);
  for (let used = 2; used < budget; used++) {
    if (f1 <= f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - PHI * (hi - lo);
      f1 = await f(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + PHI * (hi - lo);
      f2 = await f(x2);
    }
  }
}

/** Per-model weights in [0, 1], starting equal; each round tries each weight up and down by a shrinking step. */
async function coordinateDescent(f: (w: number[]) => Promise<number>, n: number, budget: number): Promise<void> {
  let w = new Array<number>(n).fill(1 / n);
  let fw = await f(w);
  let used = 1;
  for (let step = 0.25; used < budget; step /= 2) {
    for (let i = 0; i < n && used < budget; i++) {
      for (const dir of [1, -1]) {
        if (used >= budget) break;
        const cand = [...w];
        cand[i] = Math.min(1, Math.max(0, cand[i]! + dir * step));
        if (cand[i] === w[i]) continue;
        const fc = await f(cand);
        used++;
        if (fc < fw) {
          w = cand;
          fw = fc;
          break;
        }
      }
    }
  }
}
