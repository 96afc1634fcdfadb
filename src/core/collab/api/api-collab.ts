// The state the API-level modes share: the user's learned router and cascade scorer (persisted as JSON in a
// storage folder), the cost/quality knob, and the link from an answer shown to the user back to the decision
// that produced it, so acceptance feedback teaches the right model; finished reviews teach the router too.

import { join } from "node:path";
import { ShareCalibrator } from "./calibration";
import { DEFERRAL_RULES, LatencyEstimate, type DeferralRuleId } from "./cascade";
import type { FeatureVector, RequestFeaturesInput } from "./features";
import { OnlineLogistic } from "./logistic";
import { loadLogistic, saveLogistic } from "./model-store";
import { REVIEW_LESSON_WEIGHT, type ReviewLesson } from "./review-lesson";
import { loadRouter, ROUTER_LEARNING, RouterModel, saveRouter } from "./router";
import { TierCache } from "./tiers";

export interface ApiCollabOptions {
  /** Target share of requests the router sends to the strong model (0..1). */
  strongShare: number;
  /** Deferral rules for the cascade, per surface. */
  cascadeRules: { completion: DeferralRuleId[]; ask: DeferralRuleId[] };
  /** The cheap answer stands when every rule's confidence is at least this. */
  cascadeThreshold: number;
  /** An inline completion must not wait longer than this for an escalation. */
  completionLatencyBudgetMs: number;
  /** Explicit fallback order (model ids); empty = cheap models first, then the strong ones. */
  fallbackChain: string[];
  cheapModel?: string;
  strongModel?: string;
  /** Learn from feedback (accepted / rejected completions, ratings). */
  learn: boolean;
}

export function defaultApiCollabOptions(): ApiCollabOptions {
  return {
    strongShare: 0.3,
    cascadeRules: { completion: ["logprob", "learned"], ask: ["logprob", "verify", "learned"] },
    cascadeThreshold: 0.5,
    completionLatencyBudgetMs: 1500,
    fallbackChain: [],
    learn: true,
  };
}

/** What happened to an answer the user saw. `kept` is the fraction of its characters still there after 30 s. */
export type Feedback = { kind: "accepted" } | { kind: "rejected" } | { kind: "kept"; fraction: number } | { kind: "rating"; good: boolean };

interface Pending {
  kind: "route" | "cascade";
  features: FeatureVector;
  prior: number;
  /** Which tier's answer the user saw. */
  served: "cheap" | "strong";
}

const PENDING_MAX = 500;

export class ApiCollab {
  readonly router: RouterModel;
  readonly cascadeScorer: OnlineLogistic;
  readonly calibrator: ShareCalibrator;
  readonly strongLatency = new LatencyEstimate(800);
  /** The cheap and strong tiers of the models a request may use, sorted once per set of models and options. */
  readonly tiers = new TierCache();
  private opts: ApiCollabOptions;
  private readonly pending = new Map<string, Pending>();
  private seq = 0;

  constructor(
    private readonly storageDir: string | undefined,
    opts: Partial<ApiCollabOptions> = {},
    private readonly onProblem: (msg: string) => void = () => {},
  ) {
    this.opts = { ...defaultApiCollabOptions(), ...opts };
    this.router = storageDir ? loadRouter(this.routerPath(), onProblem) : new RouterModel();
    this.cascadeScorer = storageDir ? loadLogistic(this.cascadePath(), ROUTER_LEARNING, onProblem) : new OnlineLogistic(ROUTER_LEARNING);
    this.calibrator = new ShareCalibrator(this.opts.strongShare);
  }

  get options(): ApiCollabOptions {
    return this.opts;
  }

  configure(opts: Partial<ApiCollabOptions>): void {
    const next = { ...this.opts, ...opts };
    for (const r of [...next.cascadeRules.completion, ...next.cascadeRules.ask])
      if (!DEFERRAL_RULES.includes(r)) throw new RangeError(`Unknown cascade rule "${r}"; use ${DEFERRAL_RULES.join(", ")}.`);
    this.calibrator.setTarget(next.strongShare);
    this.opts = next;
  }

  /** Keep what feedback needs about a decision; returns the id to report feedback under. */
  remember(p: Pending): string {
    const id = `d${++this.seq}`;
    this.pending.set(id, p);
    if (this.pending.size > PENDING_MAX) this.pending.delete(this.pending.keys().next().value!);
    return id;
  }

  /**
   * Learn from what the user did with an answer. Returns false when there is nothing to learn (unknown id,
   * learning off, or an outcome that says nothing about the choice — e.g. the strong model's answer accepted).
   */
  feedback(decisionId: string, fb: Feedback): boolean {
    const p = this.pending.get(decisionId);
    if (!p || !this.opts.learn) return false;
    const good = fb.kind === "accepted" ? 1 : fb.kind === "rejected" ? 0 : fb.kind === "kept" ? Math.min(1, Math.max(0, fb.fraction)) : fb.good ? 1 : 0;
    // An accepted completion stays pending for the "kept after 30 s" report that refines it.
    if (fb.kind === "rejected" || fb.kind === "kept") this.pending.delete(decisionId);
    // Kept almost entirely says the same as the acceptance already did; only a loss is news.
    if (fb.kind === "kept" && good > 0.9) return false;
    if (p.kind === "route") {
      // A cheap answer that was good means the cheap model was enough (label 0: no need for the strong one).
      // A strong answer that was rejected says the strong model was no better here: lean cheap, gently.
      if (p.served === "cheap") this.router.feedback(p, 1 - good);
      else if (good < 0.5) this.router.feedback(p, 0, 0.5);
      else return false;
      this.saveRouter();
      return true;
    }
    if (p.served !== "cheap") return false;
    this.cascadeScorer.update(p.features, 1 - good);
    this.save(this.cascadePath(), () => saveLogistic(this.cascadePath(), this.cascadeScorer));
    return true;
  }

  /** Learn from a finished review (review-lesson.ts): one example for the router, at the lesson's weight. */
  learnFromReview(req: RequestFeaturesInput, lesson: ReviewLesson): boolean {
    if (!this.opts.learn) return false;
    this.router.feedback(this.router.score(req), lesson.needStrong, REVIEW_LESSON_WEIGHT);
    this.saveRouter();
    return true;
  }

  private saveRouter(): void {
    this.save(this.routerPath(), () => saveRouter(this.routerPath(), this.router));
  }

  private routerPath(): string {
    return join(this.storageDir ?? "", "router.json");
  }

  private cascadePath(): string {
    return join(this.storageDir ?? "", "cascade-scorer.json");
  }

  private save(path: string, write: () => void): void {
    if (!this.storageDir) return;
    try {
      write();
    } catch (e) {
      this.onProblem(`Could not save what Chorus learned to ${path}: ${(e as Error).message}`);
    }
  }
}
