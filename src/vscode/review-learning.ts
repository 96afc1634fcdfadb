// Review outcomes teach the router of this window (the one inline completions and Ask use): a finished run where
// cheap and strong models reviewed side by side, and each fix the user applies (src/core/collab/api/review-lesson.ts).

import type { ApiCollab } from "../core/collab/api/api-collab";
import { learnFromAppliedFix, learnFromReviewRun, type ReviewLesson } from "../core/collab/api/review-lesson";
import type { ModelConfig } from "../core/config";
import { errorMessage, type Log } from "./log";
import type { ReviewLearner } from "./review-controller";

export function routerReviewLearner(collab: ApiCollab | undefined, models: () => ModelConfig[], log: Log): ReviewLearner {
  // Learning is a side effect of a review: whatever goes wrong in it is logged, never shown as a failed review.
  const teach = (what: string, learn: (collab: ApiCollab) => ReviewLesson | undefined) => {
    if (!collab) return;
    try {
      const lesson = learn(collab);
      if (lesson) log.info(`the router learned from ${what}: ${lesson.why}`);
    } catch (e) {
      log.warn(`could not learn from ${what}: ${errorMessage(e)}`);
    }
  };
  return {
    finished: (req, result) => teach(`review ${result.runId}`, (collab) => learnFromReviewRun(collab, models(), req, result)),
    fixApplied: (req, finding) => teach(`the fix for ${finding.id} you applied`, (collab) => learnFromAppliedFix(collab, models(), req, finding)),
  };
}
