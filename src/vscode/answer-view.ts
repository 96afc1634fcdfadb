// Where "Chorus: Ask" shows its answers: read-only Markdown documents of a `chorus-answer:` scheme, served from
// memory by a TextDocumentContentProvider. Unlike an Untitled document they never ask to be saved on close, the tab
// is titled with the question, and a CodeLens on the first line asks a follow-up in the same thread.
import * as vscode from "vscode";
import type { AskTurn } from "../core/ask-thread";

export const ANSWER_SCHEME = "chorus-answer";
export const FOLLOW_UP_COMMAND = "chorus.ask.followUp";
/** Streamed text is shown in batches, not per token, to keep the editor responsive. */
const REFRESH_MS = 80;
const TITLE_CHARS = 48;

/** What a follow-up needs: the code the thread is about and the turns so far. */
export interface AnswerThread {
  code?: string;
  languageId?: string;
  filePath?: string;
  turns: AskTurn[];
}

export class AnswerDocuments implements vscode.TextDocumentContentProvider, vscode.CodeLensProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly threads = new Map<string, AnswerThread>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  private count = 0;
  readonly onDidChange = this.changed.event;

  /** A new answer document for `question`, titled with it. */
  create(question: string, thread: Omit<AnswerThread, "turns">): vscode.Uri {
    const title = question.replace(/[\\/\s]+/g, " ").trim();
    const clipped = title.length > TITLE_CHARS ? `${title.slice(0, TITLE_CHARS - 1)}…` : title;
    // The query keeps two identical questions apart; the tab shows only the path's last segment.
    const uri = vscode.Uri.from({ scheme: ANSWER_SCHEME, path: `/${clipped || "Answer"}`, query: String(++this.count) });
    this.texts.set(uri.toString(), "");
    this.threads.set(uri.toString(), { ...thread, turns: [] });
    return uri;
  }

  thread(uri: vscode.Uri): AnswerThread | undefined {
    return this.threads.get(uri.toString());
  }

  text(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? "";
  }

  append(uri: vscode.Uri, text: string): void {
    const key = uri.toString();
    if (!this.texts.has(key) || !text) return;
    this.texts.set(key, this.text(uri) + text);
    if (!this.pending.has(key))
      this.pending.set(
        key,
        setTimeout(() => this.refresh(uri), REFRESH_MS),
      );
  }

  /** Shows what was appended now (at the end of an answer, so nothing waits for the next batch). */
  refresh(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.delete(key);
    this.changed.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return (
      this.texts.get(uri.toString()) ??
      "*This answer is no longer kept: Chorus keeps answers while the window is open. Ask again with **Chorus: Ask About Selection…**.*\n"
    );
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.threads.has(document.uri.toString())) return [];
    return [
      new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), {
        title: "$(comment-discussion) Ask a follow-up",
        command: FOLLOW_UP_COMMAND,
        arguments: [document.uri],
      }),
    ];
  }

  dispose(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    this.changed.dispose();
  }
}
