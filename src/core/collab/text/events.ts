// The typed event stream of a review run. The orchestrator emits these as things happen; the review panel, the
// CLI and the tests consume the same events, so what a user sees is exactly what ran.

import type { Finding } from "./findings";
import type { Decision } from "./parse";

export type ReviewMode = "debate" | "refine" | "mixture";
export const REVIEW_MODES: readonly ReviewMode[] = ["debate", "refine", "mixture"];

/** How a reply was read: valid JSON, JSON after one repair prompt, or kept as prose (no findings taken from it). */
export type ReplyForm = "json" | "repaired" | "prose";

export interface Verdict {
  /** The judge or aggregator model, or "chorus" when the judge failed and the votes were counted instead. */
  by: string;
  summary: string;
  decisions: { finding: string; decision: Decision; reason: string }[];
  form: ReplyForm | "fallback";
}

export type RunStatus = "completed" | "converged" | "cancelled" | "failed";

export type ReviewEvent =
  | {
      type: "run-started";
      runId: string;
      mode: ReviewMode;
      file: string;
      lines: { start: number; end: number };
      participants: string[];
      judge: string;
      rounds: number;
    }
  /** `label` names the step ("Round 2", "Critique 1", "Aggregation"); `models` are those asked in it. */
  | { type: "round-started"; round: number; label: string; models: string[] }
  | { type: "model-delta"; round: number; model: string; text: string }
  /** The reply was not readable structured output; a repair prompt follows and its text streams anew. */
  /**
   * A model is asked again: its reply could not be read (`cause` "unreadable", or absent in older snapshots), or
   * the prompt was too long for its context and is sent with shorter quotes (`cause` "context"; `reason` says how).
   */
  | { type: "model-retry"; round: number; model: string; reason: string; cause?: "unreadable" | "context" }
  /** `summary` is the model's own one-line summary when the reply was structured. */
  | {
      type: "model-done";
      round: number;
      model: string;
      text: string;
      form: ReplyForm;
      summary?: string;
      notes: string[];
      costUsd: number;
      outputTokens: number;
    }
  | { type: "model-failed"; round: number; model: string; message: string }
  | { type: "findings-updated"; round: number; findings: Finding[] }
  | { type: "verdict"; verdict: Verdict }
  | { type: "done"; status: RunStatus; reason: string; roundsRun: number; findings: Finding[]; verdict?: Verdict; costUsd: number };

export type ReviewEventListener = (e: ReviewEvent) => void;

export interface ReviewResult {
  runId: string;
  mode: ReviewMode;
  status: RunStatus;
  reason: string;
  roundsRun: number;
  findings: Finding[];
  verdict?: Verdict;
  /** Models that failed and were dropped, with why. */
  dropped: { model: string; message: string }[];
  costUsd: number;
}
