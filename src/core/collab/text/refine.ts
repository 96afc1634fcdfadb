// Refine with feedback: an author reviews the code, a critic checks the review, the author revises; R rounds of
// critique and revision. Stops early when the critic supports everything and adds nothing.

import type { StrategyOutcome } from "./debate";
import type { ReviewEvent } from "./events";
import { critiquePrompt, initialReviewPrompt, judgePrompt, revisePrompt } from "./prompts";
import type { ReviewSession } from "./session";
import { runVerdict } from "./verdict";

export async function runRefine(
  s: ReviewSession,
  author: string,
  critic: string,
  rounds: number,
  judge: string,
  emit: (e: ReviewEvent) => void,
): Promise<StrategyOutcome> {
  let step = 1;
  s.startRound(step, "Draft", [author]);
  const draft = await s.askReview(author, step, initialReviewPrompt(author, s.code));
  if (!draft) return { status: "failed", reason: `the author ${author} failed`, roundsRun: 0 };
  s.applyReview(draft, step);
  s.findingsUpdated(step);
  let authorText = draft.text;
  let status: StrategyOutcome["status"] = "completed";
  let reason = rounds === 1 ? "ran one round of critique and revision" : `ran all ${rounds} rounds of critique and revision`;
  let r = 1;
  for (; r <= rounds; r++) {
    step++;
    s.startRound(step, `Critique ${r}`, [critic]);
    const critique = await s.askReview(critic, step, (quote) => critiquePrompt(critic, s.code, s.board.snapshot(), authorText, quote));
    if (!critique) {
      status = "completed";
      reason = `the critic ${critic} failed in round ${r}; the review stands as revised so far`;
      break;
    }
    const added = s.applyReview(critique, step);
    s.findingsUpdated(step);
    const disputes = critique.parsed?.votes.filter((v) => v.stance === "dispute").length ?? 0;
    if (critique.parsed && added === 0 && disputes === 0) {
      status = "converged";
      reason = `converged in round ${r}: the critic supports every finding and added none`;
      break;
    }
    step++;
    s.startRound(step, `Revision ${r}`, [author]);
    const revision = await s.askReview(author, step, (quote) => revisePrompt(author, s.code, s.board.snapshot(), critique.text, quote));
    if (!revision) {
      reason = `the author ${author} failed while revising in round ${r}`;
      break;
    }
    s.applyReview(revision, step);
    s.findingsUpdated(step);
    authorText = revision.text;
  }
  const verdict = await runVerdict(s, judge, step + 1, "Verdict", judgePrompt(judge, s.code, s.board.snapshot()), emit);
  return { status, reason, roundsRun: Math.min(r, rounds), verdict };
}
