// One round of reviews, as debate and mixture-of-agents both run it: every active model reviews (round 1 on its own,
// later rounds seeing the board and the others' previous answers), and the answers are applied to the board.

import type { ReviewReply } from "./parse";
import { debateRoundPrompt, initialReviewPrompt } from "./prompts";
import type { Reply, ReviewSession } from "./session";

export interface RoundResult {
  /** The replies that came back, in the order of the models asked. */
  answered: Reply<ReviewReply>[];
  /** Findings the round added to the board. */
  created: number;
}

/** Runs round `round` under `title`; undefined when no model is left to ask. */
export async function runReviewRound(
  s: ReviewSession,
  round: number,
  title: string,
  previous: readonly Reply<ReviewReply>[],
): Promise<RoundResult | undefined> {
  const models = [...s.active];
  if (models.length === 0) return undefined;
  s.startRound(round, title, models);
  const replies = await Promise.all(
    models.map((m) =>
      round === 1
        ? s.askReview(m, round, initialReviewPrompt(m, s.code))
        : s.askReview(m, round, (quote) =>
            debateRoundPrompt(
              m,
              s.code,
              s.board.snapshot(),
              previous.filter((p) => p.model !== m),
              round,
              quote,
            ),
          ),
    ),
  );
  s.checkCancelled();
  const answered = replies.filter((r): r is Reply<ReviewReply> => r !== undefined);
  // Apply in the order the models were asked, not arrival order, so the same replies always give the same finding ids.
  let created = 0;
  for (const r of answered) created += s.applyReview(r, round);
  s.findingsUpdated(round);
  return { answered, created };
}
