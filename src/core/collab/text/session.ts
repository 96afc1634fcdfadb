// One review run's shared state and the one way a mode asks a model: stream the reply as events, parse it,
// ask once more with a repair prompt if it is unreadable, keep it as prose if it still is, and drop a model that
// fails (with a note) instead of sinking the run. Cancellation is the only error that ends the run from here.

import { callCost } from "../../config";
import type { CallContext, Models } from "../../models";
import { isAbortError, isProviderError } from "../../providers/errors";
import type { ChatMessage, Completion, GenerationOptions } from "../../providers/types";
import type { ReviewEvent, ReviewMode, ReplyForm } from "./events";
import { FindingBoard, type LineRange } from "./findings";
import { parseReviewReply, parseVerdictReply, type ParseOutcome, type ReviewReply, type VerdictReply } from "./parse";
import { QUOTE_CHARS, repairPrompt, type CodeUnderReview, type QuotingPrompt } from "./prompts";

/** A prompt, or one that quotes other replies and can be rebuilt with shorter quotes when it is too long. */
export type ReviewPrompt = ChatMessage[] | QuotingPrompt;

/** The part of Models a review needs (every call is recorded in the ledger there). */
export type ReviewModels = Pick<Models, "chat" | "get">;

export interface Reply<T> {
  model: string;
  text: string;
  form: ReplyForm;
  /** Undefined when the reply was kept as prose. */
  parsed?: T;
}

export class CancelledError extends Error {
  override readonly name = "AbortError";
  constructor() {
    super("The review was cancelled.");
  }
}

export class ReviewSession {
  readonly board: FindingBoard;
  readonly active: Set<string>;
  readonly dropped: { model: string; message: string }[] = [];
  /** Replies read as findings or a verdict (directly or after a repair prompt), and replies kept only as prose. */
  readonly replies = { readable: 0, prose: 0 };
  readonly range: LineRange;
  costUsd = 0;
  /** Steps started so far (rounds, critiques, the verdict). */
  roundsStarted = 0;

  constructor(
    private readonly models: ReviewModels,
    readonly runId: string,
    readonly mode: ReviewMode,
    readonly code: CodeUnderReview,
    participants: string[],
    private readonly emit: (e: ReviewEvent) => void,
    readonly signal: AbortSignal | undefined,
    private readonly options: GenerationOptions,
  ) {
    this.board = new FindingBoard(code.file, code);
    this.active = new Set(participants);
    this.range = { start: code.startLine, end: code.startLine + code.code.split("\n").length - 1 };
  }

  checkCancelled(): void {
    if (this.signal?.aborted) throw new CancelledError();
  }

  /** Start a step of the run; `round` numbers steps in order so the panel can lay them out as a timeline. */
  startRound(round: number, label: string, models: string[]): void {
    this.checkCancelled();
    this.roundsStarted = round;
    this.emit({ type: "round-started", round, label, models });
  }

  askReview(model: string, round: number, prompt: ReviewPrompt): Promise<Reply<ReviewReply> | undefined> {
    return this.ask(model, round, prompt, (t) => parseReviewReply(t, this.range), false);
  }

  askVerdict(model: string, round: number, prompt: ReviewPrompt): Promise<Reply<VerdictReply> | undefined> {
    return this.ask(model, round, prompt, parseVerdictReply, true);
  }

  /** Put a review reply on the board; returns how many findings it added. */
  applyReview(reply: Reply<ReviewReply>, round: number): number {
    if (!reply.parsed) return 0;
    let created = 0;
    for (const v of reply.parsed.votes) this.board.vote(reply.model, v, round);
    for (const f of reply.parsed.findings) if (this.board.raise(reply.model, f, round).created) created++;
    return created;
  }

  findingsUpdated(round: number): void {
    this.emit({ type: "findings-updated", round, findings: this.board.snapshot() });
  }

  private async ask<T extends { warnings: string[]; summary: string }>(
    model: string,
    round: number,
    prompt: ReviewPrompt,
    parse: (text: string) => ParseOutcome<T>,
    verdict: boolean,
  ): Promise<Reply<T> | undefined> {
    this.checkCancelled();
    const ctx: CallContext = {
      surface: "review",
      mode: this.mode,
      runId: this.runId,
      decision: verdict ? "verdict" : `round-${round}`,
      filePath: this.code.file,
    };
    try {
      const { messages, reply: first } = await this.callFitting(model, round, prompt, ctx);
      let text = first.text;
      let outputTokens = first.usage.outputTokens;
      let costUsd = first.costUsd;
      let parsed = parse(text);
      let form: ReplyForm = "json";
      const notes: string[] = [];
      if (!parsed.ok) {
        const firstError = parsed.error;
        this.emit({ type: "model-retry", round, model, reason: firstError, cause: "unreadable" });
        const again = await this.repair(model, round, [...messages, { role: "assistant", content: text }, repairPrompt(firstError, verdict)], ctx);
        if ("failed" in again) {
          form = "prose";
          notes.push(`Kept as prose: ${firstError}; asking again failed (${again.failed}).`);
        } else {
          outputTokens += again.usage.outputTokens;
          costUsd += again.costUsd;
          const second = parse(again.text);
          if (second.ok) {
            text = again.text;
            parsed = second;
            form = "repaired";
          } else {
            form = "prose";
            notes.push(`Kept as prose: ${firstError}, and again after a repair prompt (${second.error}).`);
          }
        }
      }
      if (parsed.ok) notes.push(...parsed.value.warnings);
      this.replies[parsed.ok ? "readable" : "prose"]++;
      this.emit({ type: "model-done", round, model, text, form, summary: parsed.ok ? parsed.value.summary : undefined, notes, costUsd, outputTokens });
      return { model, text, form, parsed: parsed.ok ? parsed.value : undefined };
    } catch (e) {
      if (isAbortError(e) || this.signal?.aborted) throw new CancelledError();
      const message = e instanceof Error ? e.message : String(e);
      this.active.delete(model);
      this.dropped.push({ model, message });
      this.emit({ type: "model-failed", round, model, message });
      return undefined;
    }
  }

  /**
   * The repair call: only a second chance, so when it fails (its prompt holds the first reply too, and may no longer
   * fit the model's context) the first reply is kept as prose instead of the model being dropped. Cancelling still
   * ends the run.
   */
  private async repair(
    model: string,
    round: number,
    messages: ChatMessage[],
    ctx: CallContext,
  ): Promise<(Completion & { costUsd: number }) | { failed: string }> {
    try {
      return await this.call(model, round, messages, { ...ctx, reason: "asked again: its reply could not be read as findings" });
    } catch (e) {
      if (isAbortError(e) || this.signal?.aborted) throw e;
      return { failed: e instanceof Error ? e.message : String(e) };
    }
  }

  /**
   * The first call of a step. A prompt that quotes other replies and is too long for the model's context (the demo's
   * small local models hold 4,096 tokens; four quoted replies can be more) is asked again with shorter quotes, down
   * to none; any other error, or a prompt still too long without quotes, drops the model as before.
   */
  private async callFitting(
    model: string,
    round: number,
    prompt: ReviewPrompt,
    ctx: CallContext,
  ): Promise<{ messages: ChatMessage[]; reply: Completion & { costUsd: number } }> {
    if (Array.isArray(prompt)) return { messages: prompt, reply: await this.call(model, round, prompt, ctx) };
    for (let i = 0; ; i++) {
      const messages = prompt(QUOTE_CHARS[i]!);
      const shorter = QUOTE_CHARS[i + 1];
      const retryCtx = i === 0 ? ctx : { ...ctx, reason: "asked again with shorter quotes: the prompt was too long for its context" };
      try {
        return { messages, reply: await this.call(model, round, messages, retryCtx) };
      } catch (e) {
        if (shorter === undefined || !isProviderError(e) || e.kind !== "context_too_long") throw e;
        const how =
          shorter > 0 ? `the other replies quoted up to ${shorter} characters` : "the other replies left out (their findings and votes stay in the prompt)";
        this.emit({ type: "model-retry", round, model, reason: how, cause: "context" });
      }
    }
  }

  private async call(model: string, round: number, messages: ChatMessage[], ctx: CallContext): Promise<Completion & { costUsd: number }> {
    const c = await this.models.chat(model, messages, this.options, ctx, this.signal, (d) => {
      if (d.text) this.emit({ type: "model-delta", round, model, text: d.text });
    });
    const cost = callCost(this.models.get(model), c.usage.inputTokens, c.usage.outputTokens);
    this.costUsd += cost;
    return { ...c, costUsd: cost };
  }
}
