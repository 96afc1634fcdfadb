// Runs reviews into the review panel: one panel, one run at a time (a new run cancels the old one). Bridges the
// panel's Cancel button, the "Chorus: Cancel Review" command and the window closing to one AbortController,
// and answers the panel's reveal / preview / apply requests from the run's findings. A finished run and every fix
// applied from it are reported to the learner (the router learns from review outcomes, review-learning.ts).

import * as vscode from "vscode";
import type { ReviewResult } from "../core/collab/text/events";
import type { Finding } from "../core/collab/text/findings";
import type { WebviewMessage } from "../core/collab/text/panel-messages";
import { runReview, validateReviewRequest, type ReviewRequest } from "../core/collab/text/review";
import type { Models } from "../core/models";
import { errorMessage, type Log } from "./log";
import { findingsAfterFix } from "../core/collab/text/finding-lines";
import { applyFix, docLines, previewFix, revealFinding, type FixPreviewProvider } from "./review-fixes";
import { ReviewPanel, restoredRun } from "./review-panel";
import type { ReviewSnapshot } from "./review-snapshot";

/** Who learns from review outcomes: the run's request and result, and each fix the user applies. */
export interface ReviewLearner {
  finished(req: ReviewRequest, result: ReviewResult): void;
  fixApplied(req: ReviewRequest, finding: Finding): void;
}

interface RunRecord {
  runId: string;
  uri: vscode.Uri;
  /** The request that started the run (absent for a run restored after a reload). */
  request?: ReviewRequest;
  findings: Finding[];
  applied: Set<string>;
  controller?: AbortController;
}

export class ReviewController implements vscode.Disposable {
  private panel: ReviewPanel | undefined;
  private run: RunRecord | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly models: () => Models,
    private readonly previews: FixPreviewProvider,
    private readonly log: Log,
    private readonly snapshot?: ReviewSnapshot,
    private readonly learner?: ReviewLearner,
  ) {}

  /** A panel VS Code restored after a reload: adopt it and keep its findings actionable. */
  adopt(webviewPanel: vscode.WebviewPanel, state: unknown): void {
    this.restore(new ReviewPanel(webviewPanel, this.extensionUri, this.log, (m) => this.onMessage(m), this.snapshot), state);
  }

  /**
   * VS Code brings the panel back after a reload through the serializer (adopt), but under heavy load it
   * sometimes does not. A run the reload interrupted is then reopened from the host's snapshot, so the findings
   * so far are not lost. Returns whether a panel was opened.
   */
  reopenInterrupted(): boolean {
    if (this.panel) return false;
    const saved = this.snapshot?.load();
    if (!restoredRun(saved)?.interrupted) return false;
    this.log.info("reopening the review panel of a run interrupted by a window reload");
    this.restore(
      ReviewPanel.create(this.extensionUri, this.log, (m) => this.onMessage(m), this.snapshot),
      saved,
      saved,
    );
    return true;
  }

  /** `saved`: the host's snapshot, which saw every message (the webview's state may lag behind it). */
  private restore(panel: ReviewPanel, state: unknown, saved = this.snapshot?.load()): void {
    this.panel?.dispose();
    this.panel = this.attach(panel);
    if (saved) this.panel.post({ type: "restore", id: "", data: { state: saved } });
    const r = restoredRun(saved ?? state);
    // A run that was still going when the window reloaded cannot resume; its findings so far stay usable.
    if (!r) return;
    this.run = { runId: r.runId, uri: r.uri, findings: r.findings, applied: new Set(r.applied) };
    if (r.interrupted) {
      const reason = "interrupted by a window reload; the findings so far are kept (the ledger has the cost)";
      this.panel.post({
        type: "review-event",
        id: "",
        data: { runId: r.runId, event: { type: "done", status: "cancelled", reason, roundsRun: 0, findings: r.findings, costUsd: 0 } },
      });
    }
  }

  get running(): boolean {
    return this.run?.controller !== undefined;
  }

  cancel(): void {
    this.run?.controller?.abort();
  }

  async start(req: Omit<ReviewRequest, "runId">, uri: vscode.Uri, label: string): Promise<ReviewResult | undefined> {
    // Refuse a bad request before the panel shows a run that would never start.
    validateReviewRequest(this.models(), { ...req, runId: undefined });
    this.cancel();
    const runId = crypto.randomUUID();
    const controller = new AbortController();
    const request: ReviewRequest = { ...req, runId };
    const run: RunRecord = { runId, uri, request, findings: [], applied: new Set(), controller };
    this.run = run;
    if (!this.panel) this.panel = this.attach(ReviewPanel.create(this.extensionUri, this.log, (m) => this.onMessage(m), this.snapshot, true));
    else this.panel.reveal();
    const panel = this.panel;
    panel.panel.title = `Chorus Review: ${label.split("/").pop() ?? label}`;
    panel.post({ type: "run", id: "", data: { runId, source: { uri: uri.toString(), label } } });
    await vscode.commands.executeCommand("setContext", "chorus.reviewRunning", true);
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Chorus: ${req.mode} review` }, async (progress) =>
        runReview(
          this.models(),
          request,
          (event) => {
            if (event.type === "round-started") progress.report({ message: event.label });
            if (event.type === "findings-updated" || event.type === "done") run.findings = event.findings;
            panel.post({ type: "review-event", id: "", data: { runId, event } });
          },
          controller.signal,
        ).then((result) => {
          this.learner?.finished(request, result);
          return result;
        }),
      );
    } finally {
      run.controller = undefined;
      if (this.run === run) await vscode.commands.executeCommand("setContext", "chorus.reviewRunning", false);
    }
  }

  private attach(p: ReviewPanel): ReviewPanel {
    p.onDidDispose(() => {
      if (this.panel === p) {
        this.panel = undefined;
        // Closing the panel stops the run it shows: nobody is watching it any more.
        this.cancel();
      }
    });
    return p;
  }

  private onMessage(m: WebviewMessage): void {
    if (m.type === "ready") return;
    const run = this.run;
    if (!run || run.runId !== m.data.runId) {
      void vscode.window.showWarningMessage("Chorus: this review is no longer active; run the review again.");
      return;
    }
    if (m.type === "cancel-run") {
      this.cancel();
      return;
    }
    if (m.type === "rerun") {
      void this.rerun(run);
      return;
    }
    const finding = run.findings.find((f) => f.id === m.data.findingId);
    if (!finding) {
      void vscode.window.showWarningMessage(`Chorus: finding ${m.data.findingId} is not part of this review.`);
      return;
    }
    void this.act(m.type, run, finding);
  }

  /** The panel's Re-run button: the same request (code, models, rounds) as a new run in the same panel. */
  private async rerun(run: RunRecord): Promise<void> {
    if (run.controller) return; // still running: the button only shows once a run is done
    if (!run.request) {
      void vscode.window.showInformationMessage(
        "Chorus: this review was restored after a reload and cannot run again from here; select the code and run the review again.",
      );
      return;
    }
    const { runId: _old, ...request } = run.request;
    try {
      await this.start(request, run.uri, request.file);
    } catch (e) {
      void vscode.window.showErrorMessage(`Chorus: the review could not run again: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async act(action: "reveal" | "preview-fix" | "apply-fix", run: RunRecord, f: Finding): Promise<void> {
    try {
      if (action === "reveal") await revealFinding(run.uri, f);
      else if (action === "preview-fix") await previewFix(run.uri, f, this.previews);
      else if (run.applied.has(f.id)) void vscode.window.showInformationMessage(`Chorus: the fix for ${f.id} is already applied.`);
      else {
        const change = await applyFix(run.uri, f);
        // The panel's line numbers follow the code: the fix moved what lies below it, and earlier edits may have too.
        const after = docLines(await vscode.workspace.openTextDocument(run.uri));
        run.findings = findingsAfterFix(run.findings, f.id, change, after);
        run.applied.add(f.id);
        if (run.request) this.learner?.fixApplied(run.request, f);
        this.panel?.post({ type: "fix-applied", id: "", data: { runId: run.runId, findingId: f.id } });
        this.panel?.post({ type: "review-event", id: "", data: { runId: run.runId, event: { type: "findings-updated", round: 0, findings: run.findings } } });
        void vscode.window.showInformationMessage(
          `Chorus: applied the fix for ${f.id}. Undo with ${process.platform === "darwin" ? "⌘Z" : "Ctrl+Z"} in the editor.`,
        );
      }
    } catch (e) {
      this.log.warn(`review ${action} ${f.id}: ${errorMessage(e)}`);
      void vscode.window.showErrorMessage(`Chorus: could not ${action.replace("-fix", " the fix")} for ${f.id}: ${errorMessage(e)}`);
    }
  }

  dispose(): void {
    this.snapshot?.close();
    this.cancel();
    this.panel?.dispose();
  }
}
