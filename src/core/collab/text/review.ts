// Entry point of text-level collaboration on code: validates a review request, runs the chosen mode, and turns
// every ending (finished, converged, cancelled, failed) into one `done` event and one result, so nothing a
// model already said is lost when the run stops early.

import { randomUUID } from "node:crypto";
import type { GenerationOptions } from "../../providers/types";
import { runDebate, type StrategyOutcome } from "./debate";
import { REVIEW_MODES, type ReviewEventListener, type ReviewMode, type ReviewResult } from "./events";
import { runMixture } from "./mixture";
import type { CodeUnderReview } from "./prompts";
import { runRefine } from "./refine";
import { CancelledError, ReviewSession, type ReviewModels } from "./session";

export interface ReviewRequest extends CodeUnderReview {
  mode: ReviewMode;
  /** Model ids. Debate and mixture: the reviewers/proposers. Refine: [author, critic] (one model critiques itself). */
  participants: string[];
  /** Judge (debate, refine) or aggregator (mixture); defaults to the first participant (refine: the critic). */
  judge?: string;
  rounds: number;
  runId?: string;
  options?: GenerationOptions;
}

export const MAX_ROUNDS = 10;
export const DEFAULT_MAX_TOKENS = 4096;
/** Above this the prompt would not fit most models' context; the user should review a selection instead. */
export const MAX_CODE_CHARS = 60_000;

export class ReviewInputError extends Error {
  override readonly name = "ReviewInputError";
}

/** Check a request before any model is called; throws ReviewInputError saying what to change. */
export function validateReviewRequest(models: ReviewModels, req: ReviewRequest): void {
  if (!REVIEW_MODES.includes(req.mode)) throw new ReviewInputError(`Unknown review mode "${req.mode}"; use one of ${REVIEW_MODES.join(", ")}.`);
  if (!Number.isInteger(req.rounds) || req.rounds < 1 || req.rounds > MAX_ROUNDS)
    throw new ReviewInputError(`Rounds must be a whole number from 1 to ${MAX_ROUNDS}, not ${req.rounds}.`);
  if (req.participants.length === 0) throw new ReviewInputError("No review participants: set chorus.review.participants to model ids from chorus.models.");
  if (req.mode === "debate" && new Set(req.participants).size < 2)
    throw new ReviewInputError("A debate needs at least two different models taking part: pick another (or list two in chorus.review.participants).");
  if (new Set(req.participants).size !== req.participants.length)
    throw new ReviewInputError(`A model is listed twice among the participants (${req.participants.join(", ")}).`);
  if (req.code.trim() === "") throw new ReviewInputError("There is no code to review: the selection or file is empty.");
  if (req.code.length > MAX_CODE_CHARS)
    throw new ReviewInputError(
      `The code is ${req.code.length} characters; the limit is ${MAX_CODE_CHARS}. Select a part of the file and review the selection.`,
    );
  for (const id of [...req.participants, ...(req.judge ? [req.judge] : [])]) models.get(id);
}

export async function runReview(models: ReviewModels, req: ReviewRequest, onEvent: ReviewEventListener, signal?: AbortSignal): Promise<ReviewResult> {
  validateReviewRequest(models, req);
  const runId = req.runId ?? randomUUID();
  const judge = req.judge ?? (req.mode === "refine" ? (req.participants[1] ?? req.participants[0]!) : req.participants[0]!);
  const emit: ReviewEventListener = (e) => {
    // A listener that throws (a closed panel) must not break the run.
    try {
      onEvent(e);
    } catch {
      /* ignored on purpose */
    }
  };
  // A cap on each reply: a model that never stops (Ollama's default is "until the context is full") would hold the
  // whole round hostage. Reviews in the JSON shape fit well within it.
  const s = new ReviewSession(models, runId, req.mode, req, req.participants, emit, signal, { maxTokens: DEFAULT_MAX_TOKENS, ...req.options });
  emit({ type: "run-started", runId, mode: req.mode, file: req.file, lines: s.range, participants: req.participants, judge, rounds: req.rounds });
  let outcome: StrategyOutcome;
  try {
    if (req.mode === "debate") outcome = await runDebate(s, req.rounds, judge, emit);
    else if (req.mode === "refine") outcome = await runRefine(s, req.participants[0]!, req.participants[1] ?? req.participants[0]!, req.rounds, judge, emit);
    else outcome = await runMixture(s, req.rounds, judge, emit);
  } catch (e) {
    // Whatever stops the run, the panel and the CLI get a `done` with the findings gathered so far.
    if (e instanceof CancelledError || signal?.aborted)
      outcome = { status: "cancelled", reason: "stopped on request; the findings so far are kept", roundsRun: s.roundsStarted };
    else outcome = { status: "failed", reason: `the review stopped: ${e instanceof Error ? e.message : String(e)}`, roundsRun: s.roundsStarted };
  }
  const findings = s.board.snapshot();
  // "No findings" from models whose replies could not be read at all is not a clean bill of health: say so.
  if (outcome.status === "completed" && findings.length === 0 && s.replies.readable === 0 && s.replies.prose > 0)
    outcome = { ...outcome, reason: `${outcome.reason}, but no reply could be read as findings (the rounds show what the models wrote)` };
  emit({ type: "done", status: outcome.status, reason: outcome.reason, roundsRun: outcome.roundsRun, findings, verdict: outcome.verdict, costUsd: s.costUsd });
  return {
    runId,
    mode: req.mode,
    status: outcome.status,
    reason: outcome.reason,
    roundsRun: outcome.roundsRun,
    findings,
    verdict: outcome.verdict,
    dropped: [...s.dropped],
    costUsd: s.costUsd,
  };
}
