// The three review modes in the mode registry (surface "review"), so the mode picker, `chorus modes` and the
// chorus.modes.review setting know them. The engine registers them, once.

import type { ModeRegistry } from "../../modes";
import { REVIEW_MODES, type ReviewMode } from "./events";

const INFO: Record<ReviewMode, { label: string; description: string }> = {
  debate: { label: "Debate", description: "Several models review, read each other's reviews and vote over rounds; a judge gives the verdict." },
  refine: { label: "Refine with feedback", description: "An author reviews, a critic checks, the author revises." },
  mixture: { label: "Mixture of agents", description: "Models review independently; an aggregator synthesises one review." },
};

export function registerReviewModes(modes: ModeRegistry): void {
  for (const id of REVIEW_MODES) modes.register({ id, ...INFO[id], surfaces: ["review"] });
}
