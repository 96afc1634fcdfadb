// "Chorus: Ask": a question about the selection, answered through the active Ask mode (single, route, cascade,
// fallback, …). The answer streams into a Markdown document beside the code, with a cancellable progress
// notification; afterwards the user can rate it, which teaches the router.

import * as vscode from "vscode";
import type { AskOutput } from "../core/modes";
import { isAbortError } from "../core/providers/errors";
import { errorMessage } from "./log";
import type { ChorusServices } from "./services";

export const ASK_COMMAND = "chorus.ask";
/** Streamed text is written to the document in batches, not per token, to keep the editor responsive. */
const FLUSH_MS = 80;

export function registerAskCommand(services: ChorusServices): void {
  const log = services.log.child("ask");
  services.context.subscriptions.push(
    vscode.commands.registerCommand(ASK_COMMAND, async (question?: string) => {
      const editor = vscode.window.activeTextEditor;
      const selection = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : undefined;
      const q =
        typeof question === "string" && question.trim()
          ? question.trim()
          : await vscode.window.showInputBox({
              title: "Chorus: Ask",
              prompt: selection ? "Ask about the selected code" : "Ask a question (select code first to ask about it)",
              placeHolder: "What does this do? Is there a bug?",
              ignoreFocusOut: true,
            });
      if (!q?.trim()) return;
      const doc = await vscode.workspace.openTextDocument({ language: "markdown", content: `## ${q.trim()}\n\n` });
      const answerEditor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
      const writer = new StreamWriter(answerEditor);
      const filePath = editor ? (editor.document.uri.scheme === "file" ? editor.document.uri.fsPath : editor.document.uri.path) : undefined;
      let out: AskOutput | undefined;
      try {
        out = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: "Chorus is answering…", cancellable: true },
          async (_progress, token) => {
            const controller = new AbortController();
            const sub = token.onCancellationRequested(() => controller.abort());
            try {
              return await services.engine.ask(q.trim(), { code: selection, languageId: editor?.document.languageId, filePath }, controller.signal, (t) => writer.push(t));
            } finally {
              sub.dispose();
            }
          },
        );
        await writer.flush();
        await writer.append(`\n\n---\n*Answered by ${out.decision.model} (${out.decision.action}): ${out.decision.reason}*\n`);
      } catch (e) {
        await writer.flush();
        if (isAbortError(e)) {
          await writer.append("\n\n*Cancelled.*\n");
          return;
        }
        log.warn(`ask failed: ${errorMessage(e)}`);
        await writer.append(`\n\n**Chorus could not answer:** ${errorMessage(e)}\n`);
        void vscode.window.showErrorMessage(`Chorus: Ask failed: ${errorMessage(e)}`, "Show Log").then((pick) => {
          if (pick) log.show();
        });
        return;
      }
      const id = out.feedbackId;
      if (!id) return;
      // Rating is optional and never blocks: the notification simply goes away if ignored.
      void vscode.window.showInformationMessage(`Chorus: answered by ${out.decision.model}. Was it helpful?`, "Helpful", "Not helpful").then((pick) => {
        if (pick) services.engine.collab?.feedback(id, { kind: "rating", good: pick === "Helpful" });
      });
    }),
  );
}

/** Appends streamed text to the end of a document, batched, in order. */
class StreamWriter {
  private pending = "";
  private chain: Promise<unknown> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly editor: vscode.TextEditor) {}

  push(text: string): void {
    this.pending += text;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, FLUSH_MS);
  }

  flush(): Promise<unknown> {
    const text = this.pending;
    this.pending = "";
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    return text ? this.append(text) : this.chain;
  }

  append(text: string): Promise<unknown> {
    this.chain = this.chain.then(async () => {
      const doc = this.editor.document;
      const end = doc.lineAt(doc.lineCount - 1).range.end;
      // Edit through the answer's own editor (a WorkspaceEdit would also open the document in the active group);
      // if the user closed that editor, keep writing to the document anyway so nothing is lost.
      if (await this.editor.edit((b) => b.insert(end, text), { undoStopBefore: false, undoStopAfter: false }).then(undefined, () => false)) return;
      const edit = new vscode.WorkspaceEdit();
      edit.insert(doc.uri, end, text);
      await vscode.workspace.applyEdit(edit);
    });
    return this.chain;
  }
}
