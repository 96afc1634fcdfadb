// The review commands: "Review Selection with Debate", "Review File" (the review mode chosen for the workspace),
// "Refine with Feedback", "Review with Mixture of Agents", "Cancel Review" (the engine registers the three review
// modes); the fix-preview documents; and the serializer that brings the panel back after a reload (with the
// extension's own reopening when VS Code does not).

import { join } from "node:path";
import * as vscode from "vscode";
import { ReviewSnapshot } from "./review-snapshot";
import { REVIEW_MODES, type ReviewMode } from "../core/collab/text/events";
import { ReviewInputError } from "../core/collab/text/review";
import { errorMessage } from "./log";
import { ReviewController } from "./review-controller";
import { routerReviewLearner } from "./review-learning";
import { FIX_PREVIEW_SCHEME, FixPreviewProvider } from "./review-fixes";
import { REVIEW_VIEW_TYPE } from "./review-panel";
import { chooseReviewSetup, ReviewSettingsError } from "./review-settings";
import type { ChorusServices } from "./services";
import { markStepDone } from "./walkthrough";

export const REOPEN_COMMAND = "chorus.review.reopenInterrupted";
const REOPEN_AFTER_MS = 8000;

export function registerReview(services: ChorusServices): void {
  const log = services.log.child("review");

  const previews = new FixPreviewProvider();
  const snapshot = new ReviewSnapshot(join((services.context.storageUri ?? services.context.globalStorageUri).fsPath, "review-panel.json"), (e) =>
    log.warn(`review panel snapshot not saved: ${String(e)}`),
  );
  services.context.subscriptions.push({ dispose: () => snapshot.dispose() });
  const learner = routerReviewLearner(services.engine.collab, () => services.engine.config.models, log);
  const controller = new ReviewController(services.context.extensionUri, () => services.engine.models, previews, log, snapshot, learner);

  const review = async (mode: ReviewMode, scope: "selection" | "file") => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showWarningMessage("Chorus: open a file to review first.");
      return;
    }
    const doc = editor.document;
    const sel = editor.selection;
    const useSelection = scope === "selection" && !sel.isEmpty;
    if (scope === "selection" && sel.isEmpty) {
      void vscode.window.showWarningMessage("Chorus: select the code to review, or run “Chorus: Review File”.");
      return;
    }
    // Whole lines: the models number lines, and a fix replaces whole lines.
    const startLine = useSelection ? sel.start.line : 0;
    const endLine = useSelection ? (sel.end.character === 0 && sel.end.line > sel.start.line ? sel.end.line - 1 : sel.end.line) : doc.lineCount - 1;
    // Models see "\n" lines whatever the file uses; fixes are written back with the document's own line ending.
    const code = doc.getText(new vscode.Range(startLine, 0, endLine, doc.lineAt(endLine).text.length)).replace(/\r\n/g, "\n");
    const file = vscode.workspace.asRelativePath(doc.uri, false);
    try {
      const setup = await chooseReviewSetup(mode, services.engine.config.models, services.context.workspaceState);
      if (!setup) return;
      const result = await controller.start(
        { mode, file, languageId: doc.languageId, code, startLine: startLine + 1, participants: setup.participants, judge: setup.judge, rounds: setup.rounds },
        doc.uri,
        file,
      );
      if (result && result.status !== "failed" && result.status !== "cancelled") markStepDone("review");
      if (result?.status === "failed") {
        // The run's reason ("every participant failed") says what, the first model's own error says why.
        const why = result.dropped[0] ? ` ${result.dropped[0].model}: ${result.dropped[0].message.replace(/\.$/, "")}.` : "";
        void vscode.window.showErrorMessage(`Chorus: the review did not finish — ${result.reason}.${why}`, "Show Log").then((p) => p && log.show());
      }
      for (const d of result?.dropped ?? []) log.warn(`${d.model} dropped out of review ${result?.runId}: ${d.message}`);
    } catch (e) {
      const setting = e instanceof ReviewSettingsError ? e.setting : e instanceof ReviewInputError ? "chorus.review" : undefined;
      const actions = setting ? ["Open Settings"] : [];
      void vscode.window.showErrorMessage(`Chorus: ${errorMessage(e)}`, ...actions).then((pick) => {
        if (pick && setting) void vscode.commands.executeCommand("workbench.action.openSettings", setting);
      });
      if (!(e instanceof ReviewSettingsError) && !(e instanceof ReviewInputError)) log.error(`review failed: ${errorMessage(e)}`);
    }
  };

  /** "Review File" follows the review mode chosen for the workspace (Chorus: Choose Collaboration Mode). */
  const workspaceMode = (): ReviewMode => {
    const id = services.modes.resolve("review", services.engine.config.modes.review).id;
    return (REVIEW_MODES as readonly string[]).includes(id) ? (id as ReviewMode) : "debate";
  };

  services.context.subscriptions.push(
    controller,
    previews,
    vscode.workspace.registerTextDocumentContentProvider(FIX_PREVIEW_SCHEME, previews),
    vscode.commands.registerCommand("chorus.review.selection", () => review("debate", "selection")),
    vscode.commands.registerCommand("chorus.review.file", () => review(workspaceMode(), "file")),
    vscode.commands.registerCommand("chorus.review.refine", () =>
      review("refine", vscode.window.activeTextEditor?.selection.isEmpty === false ? "selection" : "file"),
    ),
    vscode.commands.registerCommand("chorus.review.mixture", () =>
      review("mixture", vscode.window.activeTextEditor?.selection.isEmpty === false ? "selection" : "file"),
    ),
    vscode.commands.registerCommand("chorus.review.cancel", () => {
      if (controller.running) controller.cancel();
      else void vscode.window.showInformationMessage("Chorus: no review is running.");
    }),
    vscode.window.registerWebviewPanelSerializer(REVIEW_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: unknown) => controller.adopt(panel, state),
    }),
    // Not in the palette: run by the timer below (and by tests).
    vscode.commands.registerCommand(REOPEN_COMMAND, () => controller.reopenInterrupted()),
  );
  // VS Code restores panels shortly after activation; when it has not brought back a panel whose run a reload
  // interrupted by then, the extension reopens it itself.
  const reopen = setTimeout(() => void vscode.commands.executeCommand(REOPEN_COMMAND), REOPEN_AFTER_MS);
  services.context.subscriptions.push({ dispose: () => clearTimeout(reopen) });
}
