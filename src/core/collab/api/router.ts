// The router: before any model runs, how much does this request need the strong model? A zero-shot prior from
// what the request looks like (short single-line completions → fast local model; long multi-step asks → strong
// model) is combined with a learned online model in log-odds space, so the router works with no data at all and
// the learned part only moves it as far as feedback justifies. Persisted per user as JSON.

import { routerFeatures, type FeatureVector, type RequestFeaturesInput } from "./features";
import { logit, OnlineLogistic, sigmoid } from "./logistic";
import { loadLogistic, saveLogistic } from "./model-store";

/** Online learning from one user's feedback: one signal moves a decision's log-odds by at most 0.5. */
export const ROUTER_LEARNING = { learningRate: 0.15, maxStep: 0.5 };

export interface RouteScore {
  /** Probability that the request needs the strong model. */
  p: number;
  prior: number;
  priorWhy: string;
  /** The learned model's push in log-odds (0 before any feedback). */
  learned: number;
  features: FeatureVector;
  /** The strongest learned drivers, in words. */
  drivers: string[];
}

/** Zero-shot: what a request's shape says before any feedback, from the same cues a person would use. */
export function zeroShotPrior(req: RequestFeaturesInput): { p: number; why: string } {
  if (req.surface === "completion") {
    const c = req.cursor;
    if (c && !c.multiline && c.atLineEnd) return { p: 0.15, why: "short single-line completion" };
    if (c?.multiline) return { p: 0.35, why: "multi-line completion" };
    return { p: 0.2, why: "completion in the middle of a line" };
  }
  if (req.surface === "bench") return { p: 0.5, why: "no prior for benchmark prompts" };
  const t = req.text;
  let z = logit(0.4);
  const reasons: string[] = [];
  if (t.length > 600) {
    z += 0.8;
    reasons.push("long question");
  } else if (t.length < 120) {
    z -= 0.6;
    reasons.push("short question");
  }
  if (/\b(why|explain|design|refactor|prove|step[- ]by[- ]step|architecture|trade-?offs?|compare)\b/i.test(t)) {
    z += 0.9;
    reasons.push("asks for reasoning");
  }
  if ((t.match(/\n/g) ?? []).length > 40) {
    z += 0.5;
    reasons.push("a lot of code");
  }
  return { p: sigmoid(z), why: reasons.length ? reasons.join(", ") : "ordinary question" };
}

export class RouterModel {
  constructor(readonly learned: OnlineLogistic = new OnlineLogistic(ROUTER_LEARNING)) {}

  score(req: RequestFeaturesInput): RouteScore {
    const prior = zeroShotPrior(req);
    const features = routerFeatures(req);
    const learned = this.learned.margin(features);
    const drivers = this.learned
      .explain(features, 3)
      .filter((c) => Math.abs(c.value) > 0.05)
      .map((c) => `${describeFeature(c.name)} ${c.value > 0 ? "→ strong" : "→ cheap"}`);
    return { p: sigmoid(logit(prior.p) + learned), prior: prior.p, priorWhy: prior.why, learned, features, drivers };
  }

  /**
   * Learn from an outcome. `needStrong` is 1 when the cheap model's answer was not good enough (rejected),
   * 0 when it was (accepted), and a fraction for partly kept text. The prior is part of the prediction, so
   * the model learns only the correction to the prior.
   */
  feedback(score: Pick<RouteScore, "features" | "prior">, needStrong: number, weight = 1): void {
    this.learned.update(score.features, needStrong, weight, logit(score.prior));
  }
}

/** Turn an internal feature name into words for a tooltip. */
export function describeFeature(name: string): string {
  const [kind, ...rest] = name.split(":");
  const v = rest.join(":");
  switch (kind) {
    case "w":
      return `the word "${v}"`;
    case "w2":
      return `the phrase "${v.replace("_", " ")}"`;
    case "c4":
      return `text like "${v.replace(/[<>]/g, "")}"`;
    case "lang":
      return `language ${v}`;
    case "ext":
      return `.${v} file`;
    case "cursor":
      return `cursor ${v}`;
    case "surface":
      return `${v} request`;
    case "opt":
      return `answer options (${v})`;
    case "stem":
      return `question length (${v})`;
    case "q":
      return `a "${v}" question`;
    case "num":
      return `computation (${v})`;
    case "emb":
      return `what the text means (embedding dimension ${rest.at(-1) ?? "?"})`;
    default:
      return name;
  }
}

/** Load a user's router from disk (see model-store.ts for what happens to a missing or corrupt file). */
export function loadRouter(path: string, onProblem?: (msg: string) => void): RouterModel {
  return new RouterModel(loadLogistic(path, ROUTER_LEARNING, onProblem));
}

export function saveRouter(path: string, router: RouterModel): void {
  saveLogistic(path, router.learned);
}
