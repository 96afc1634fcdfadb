// Multi-agent debate: every participant reviews the code, then for each further round every participant sees
// the code, the findings with everyone's stances, and the other participants' previous answers, and votes.
// Stops early on convergence (see convergence.ts); a judge gives the verdict.

import { hasConverged, roundChange } from "./convergence";
import type { ReviewEvent, RunStatus, Verdict } from "./events";
import { judgePrompt } from "./prompts";
import { runReviewRound } from "./review-round";
import type { Reply, ReviewSession } from "./session";
import type { ReviewReply } from "./parse";
import { runVerdict } from "./verdict";

export interface StrategyOutcome {
  status: RunStatus;
  reason: string;
  roundsRun: number;
  verdict?: Verdict;
}

export async function runDebate(s: ReviewSession, rounds: number, judge: string, emit: (e: ReviewEvent) => void): Promise<StrategyOutcome> {
  let previous: Reply<ReviewReply>[] = [];
  let status: RunStatus = "completed";
  let reason = rounds === 1 ? "ran its one round" : `ran all ${rounds} rounds`;
  let round = 1;
  for (; round <= rounds; round++) {
    const before = s.board.stances();
    const done = await runReviewRound(s, round, `Round ${round}`, previous);
    if (!done) return { status: "failed", reason: "every participant failed", roundsRun: round - 1 };
    const { answered, created } = done;
    previous = answered;
    const ids = s.board.snapshot().map((f) => f.id);
    // Converging in the last round is just finishing; only a round that saves later rounds counts as early.
    if (round < rounds && hasConverged(round, roundChange(before, s.board.stances(), created, ids, [...s.active]))) {
      status = "converged";
      reason = `converged after round ${round}: no new findings and no stance changed`;
      break;
    }
  }
  const roundsRun = Math.min(round, rounds);
  if (s.active.size === 0) return { status: "failed", reason: "every participant failed", roundsRun };
  const verdict = await runVerdict(s, judge, roundsRun + 1, "Verdict", judgePrompt(judge, s.code, s.board.snapshot()), emit);
  return { status, reason, roundsRun, verdict };
}
