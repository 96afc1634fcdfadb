// What a finished code review teaches the router. When cheap and strong models reviewed the same code side by
// side, the findings the run kept (the judge's decisions, or the votes where the judge gave none) show whether the
// cheap tier alone would have been enough for that kind of code: a finding only the strong tier raised and the
// run kept, or a finding only the cheap tier raised and the run threw out, says it was not. A fix the user applies
// is the user's own word on one finding and teaches the same way.
//
// The lesson is one example for the router's learned part, on the "review" surface with the reviewed code as the
// text, so it carries over to Ask and completions through the shared features (language, file type, the code's
// words); it weighs half an explicit rating, since the run's judge is itself a model.

import type { ModelConfig } from "../../config";
import type { ReviewResult } from "../text/events";
import { agreement, type Finding } from "../text/findings";
import type { ReviewRequest } from "../text/review";
import type { ApiCollab } from "./api-collab";
import type { RequestFeaturesInput } from "./features";
import { modelTiers, type TierChoice } from "./tiers";

/** What of a review request the lesson needs: the code and who reviewed it. */
export type ReviewedCode = Pick<ReviewRequest, "code" | "languageId" | "file" | "participants">;

export interface ReviewLesson {
  /** 1: the strong tier was needed on this code; 0: the cheap tier was enough. */
  needStrong: 0 | 1;
  why: string;
}

/** The participants that belong to one tier only (a model in both says nothing about either). */
export interface ReviewTiers {
  cheap: ReadonlySet<string>;
  strong: ReadonlySet<string>;
}

/** How much a review's lesson weighs against an accepted or rejected answer (1). */
export const REVIEW_LESSON_WEIGHT = 0.5;

export function reviewTiers(models: ModelConfig[], participants: readonly string[], choice: TierChoice = {}): ReviewTiers {
  const tiers = modelTiers(models, choice);
  const cheap = new Set(tiers.cheap.map((m) => m.id));
  const strong = new Set(tiers.strong.map((m) => m.id));
  const only = (mine: Set<string>, other: Set<string>) => new Set(participants.filter((id) => mine.has(id) && !other.has(id)));
  return { cheap: only(cheap, strong), strong: only(strong, cheap) };
}

/** Whether the run kept a finding: the judge's decision, else the votes; undefined when neither says. */
function kept(f: Finding, result: Pick<ReviewResult, "verdict">): boolean | undefined {
  const decision = result.verdict?.decisions.find((d) => d.finding === f.id)?.decision;
  if (decision === "accept") return true;
  if (decision === "reject") return false;
  if (decision === "uncertain") return undefined;
  const level = agreement(f).level;
  return level === "unanimous" || level === "contested" ? true : level === "rejected" ? false : undefined;
}

type Raisers = "cheap" | "strong" | "both";

/** Which tier raised a finding (undefined: neither, or the review lacks one of the tiers). */
function raisers(f: Finding, tiers: ReviewTiers): Raisers | undefined {
  if (tiers.cheap.size === 0 || tiers.strong.size === 0) return undefined;
  const byCheap = f.raisedBy.some((m) => tiers.cheap.has(m));
  const byStrong = f.raisedBy.some((m) => tiers.strong.has(m));
  return byCheap && byStrong ? "both" : byStrong ? "strong" : byCheap ? "cheap" : undefined;
}

/** The lesson of a finished run, or undefined when it says nothing (one tier only, stopped early, no findings decided). */
export function reviewLesson(result: Pick<ReviewResult, "status" | "findings" | "verdict">, tiers: ReviewTiers): ReviewLesson | undefined {
  if (result.status !== "completed" && result.status !== "converged") return undefined;
  const ids: Record<`${Raisers} ${"kept" | "dropped"}`, string[]> = {
    "strong kept": [],
    "strong dropped": [],
    "cheap kept": [],
    "cheap dropped": [],
    "both kept": [],
    "both dropped": [],
  };
  for (const f of result.findings) {
    const by = raisers(f, tiers);
    const verdict = kept(f, result);
    if (by && verdict !== undefined) ids[`${by} ${verdict ? "kept" : "dropped"}`].push(f.id);
  }
  // Each finding one tier got right and the other missed (or got wrong) counts for the tier that got it right.
  const forStrong = ids["strong kept"].length + ids["cheap dropped"].length;
  const forCheap = ids["cheap kept"].length + ids["strong dropped"].length;
  const list = (label: string, found: string[]) => (found.length ? [`${label} ${found.join(", ")}`] : []);
  const detail = [
    ...list("kept, raised by the strong tier only:", ids["strong kept"]),
    ...list("thrown out, raised by the cheap tier only:", ids["cheap dropped"]),
    ...list("kept, raised by the cheap tier only:", ids["cheap kept"]),
    ...list("thrown out, raised by the strong tier only:", ids["strong dropped"]),
    ...list("kept, raised by both:", ids["both kept"]),
  ].join("; ");
  if (forStrong > forCheap) return { needStrong: 1, why: `the strong tier was needed (${detail})` };
  if (forStrong < forCheap || ids["both kept"].length > 0) return { needStrong: 0, why: `the cheap tier was enough (${detail})` };
  return undefined;
}

/** The lesson of a fix the user applied: the tier that alone raised that finding was right about it. */
export function appliedFixLesson(f: Finding, tiers: ReviewTiers): ReviewLesson | undefined {
  const by = raisers(f, tiers);
  if (by === "strong") return { needStrong: 1, why: `you applied ${f.id}, which only the strong tier raised` };
  if (by === "cheap") return { needStrong: 0, why: `you applied ${f.id}, which the cheap tier raised and the strong tier did not` };
  return undefined;
}

/** The router's view of a reviewed piece of code. */
export function reviewRequest(req: ReviewedCode): RequestFeaturesInput {
  return { text: req.code, surface: "review", languageId: req.languageId, filePath: req.file };
}

/** Teach the router what a finished run says; the lesson it learned, if any. */
export function learnFromReviewRun(
  collab: ApiCollab,
  models: ModelConfig[],
  req: ReviewedCode,
  result: Pick<ReviewResult, "status" | "findings" | "verdict">,
): ReviewLesson | undefined {
  return teach(collab, models, req, (tiers) => reviewLesson(result, tiers));
}

/** Teach the router what a fix the user applied says; the lesson it learned, if any. */
export function learnFromAppliedFix(collab: ApiCollab, models: ModelConfig[], req: ReviewedCode, finding: Finding): ReviewLesson | undefined {
  return teach(collab, models, req, (tiers) => appliedFixLesson(finding, tiers));
}

function teach(
  collab: ApiCollab,
  models: ModelConfig[],
  req: ReviewedCode,
  lessonOf: (tiers: ReviewTiers) => ReviewLesson | undefined,
): ReviewLesson | undefined {
  const lesson = lessonOf(reviewTiers(models, req.participants, collab.options));
  return lesson && collab.learnFromReview(reviewRequest(req), lesson) ? lesson : undefined;
}
