// Mixture-of-agents: layers of proposers (layer 1 reviews independently; each later layer sees the previous
// layer's answers), then one aggregator synthesises a single review and may improve the fixes.

import type { StrategyOutcome } from "./debate";
import type { ReviewEvent } from "./events";
import type { ReviewReply } from "./parse";
import { aggregatePrompt } from "./prompts";
import { runReviewRound } from "./review-round";
import type { Reply, ReviewSession } from "./session";
import { runVerdict } from "./verdict";

export async function runMixture(s: ReviewSession, layers: number, aggregator: string, emit: (e: ReviewEvent) => void): Promise<StrategyOutcome> {
  let previous: Reply<ReviewReply>[] = [];
  let layer = 1;
  for (; layer <= layers; layer++) {
    const done = await runReviewRound(s, layer, layers > 1 ? `Proposals, layer ${layer}` : "Proposals", previous);
    if (!done) return { status: "failed", reason: "every proposer failed", roundsRun: layer - 1 };
    previous = done.answered;
  }
  if (previous.length === 0) return { status: "failed", reason: "every proposer failed", roundsRun: layers };
  const proposals = previous.map((p) => ({ model: p.model, text: p.text }));
  const verdict = await runVerdict(
    s,
    aggregator,
    layers + 1,
    "Aggregation",
    (quote) => aggregatePrompt(aggregator, s.code, s.board.snapshot(), proposals, quote),
    emit,
  );
  return {
    status: "completed",
    reason: `${layers === 1 ? "one layer" : `${layers} layers`} of proposals aggregated by ${aggregator}`,
    roundsRun: layers,
    verdict,
  };
}
