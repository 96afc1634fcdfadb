// "Chorus: Ask": a question about the selection, answered through the active Ask mode (single, route, cascade,
// fallback, …). The answer streams into a read-only Markdown document beside the code (answer-view.ts: nothing to
// save, titled with the question), with a cancellable progress notification and who answered; a CodeLens asks a
// follow-up in the same document. Afterwards the user can rate the answer, which teaches the router. With the demo
// models, which cannot answer, demo-ask.ts says so and shows what they can do instead.

import { modelLabel } from "../core/demo/demo-models";
import { answerWithDemoModels } from "./demo-ask";
import * as vscode from "vscode";
import { followUpQuestion } from "../core/ask-thread";
import type { AskOutput } from "../core/modes";
import { isAbortError } from "../core/providers/errors";
import { ANSWER_SCHEME, AnswerDocuments, FOLLOW_UP_COMMAND, type AnswerThread } from "./answer-view";
import { errorMessage } from "./log";
import type { ChorusServices } from "./services";

export const ASK_COMMAND = "chorus.ask";

export function registerAskCommand(services: ChorusServices): void {
  const answers = new AnswerDocuments();
  services.context.subscriptions.push(
    answers,
    vscode.workspace.registerTextDocumentContentProvider(ANSWER_SCHEME, answers),
    vscode.languages.registerCodeLensProvider({ scheme: ANSWER_SCHEME }, answers),
    vscode.commands.registerCommand(ASK_COMMAND, async (question?: string) => {
      const editor = vscode.window.activeTextEditor;
      const selection = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : undefined;
      const q =
        typeof question === "string" && question.trim()
          ? question.trim()
          : await askFor(selection ? "Ask about the selected code" : "Ask a question (select code first to ask about it)");
      if (!q) return;
      const filePath = editor ? (editor.document.uri.scheme === "file" ? editor.document.uri.fsPath : editor.document.uri.path) : undefined;
      const uri = answers.create(q, { code: selection, languageId: editor?.document.languageId, filePath });
      const doc = await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(uri), "markdown");
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false, preserveFocus: true });
      await answer(services, answers, uri, q);
    }),
    vscode.commands.registerCommand(FOLLOW_UP_COMMAND, async (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (!target || !answers.thread(target)) return;
      const q = await askFor("Ask a follow-up question; the earlier questions and answers go with it");
      if (q) await answer(services, answers, target, q);
    }),
  );
}

async function askFor(prompt: string): Promise<string | undefined> {
  const q = await vscode.window.showInputBox({ title: "Chorus: Ask", prompt, placeHolder: "What does this do? Is there a bug?", ignoreFocusOut: true });
  return q?.trim() || undefined;
}

/** Streams the answer to `question` into the answer document at `uri`, then offers the rating. */
async function answer(services: ChorusServices, answers: AnswerDocuments, uri: vscode.Uri, question: string): Promise<void> {
  const log = services.log.child("ask");
  const thread = answers.thread(uri);
  if (!thread) return;
  answers.append(uri, `${thread.turns.length ? "\n\n" : ""}# ${question}\n\n`);
  if (services.engineHost.modelSource.kind === "demo") return answerInDemo(services, answers, uri, thread, question);
  let out: AskOutput | undefined;
  try {
    out = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "Chorus is answering…", cancellable: true },
      (_progress, token) => askModel(services, thread, question, token, (t) => answers.append(uri, t)),
    );
  } catch (e) {
    if (isAbortError(e)) answers.append(uri, "\n\n*Cancelled.*\n");
    else {
      log.warn(`ask failed: ${errorMessage(e)}`);
      answers.append(uri, `\n\n**Chorus could not answer:** ${errorMessage(e)}\n`);
      void vscode.window.showErrorMessage(`Chorus: Ask failed: ${errorMessage(e)}`, "Show Log").then((pick) => pick && log.show());
    }
    thread.turns.push({ question, answer: "" });
    return answers.refresh(uri);
  }
  thread.turns.push({ question, answer: out.text });
  const empty = !out.text.trim();
  if (empty) answers.append(uri, "*The model answered nothing.*");
  const label = modelLabel(services.engineHost.config.models, out.decision.model);
  const who = label ? `${out.decision.model} — ${label}` : out.decision.model;
  answers.append(uri, `\n\n---\n*Answered by ${who} (${out.decision.action}): ${out.decision.reason}*\n`);
  answers.refresh(uri);
  if (empty) {
    log.info(`ask: ${out.decision.model} answered nothing`);
    void vscode.window
      .showWarningMessage(`Chorus: ${out.decision.model} answered nothing. Ask again, or choose another Ask mode or model.`, "Choose Mode")
      .then((pick) => {
        if (pick) void vscode.commands.executeCommand("chorus.chooseMode");
      });
    return;
  }
  const id = out.feedbackId;
  if (!id) return;
  // Rating is optional and never blocks: the notification simply goes away if ignored.
  void vscode.window.showInformationMessage(`Chorus: answered by ${out.decision.model}. Was it helpful?`, "Helpful", "Not helpful").then((pick) => {
    if (pick) services.engine.collab?.feedback(id, { kind: "rating", good: pick === "Helpful" });
  });
}

async function answerInDemo(services: ChorusServices, answers: AnswerDocuments, uri: vscode.Uri, thread: AnswerThread, question: string): Promise<void> {
  let text = "";
  try {
    text = await answerWithDemoModels(services, answers, uri, thread);
  } catch (e) {
    answers.append(uri, isAbortError(e) ? "\n\n*Cancelled.*\n" : `\n\n**Chorus could not continue the code:** ${errorMessage(e)}\n`);
    answers.refresh(uri);
  }
  thread.turns.push({ question, answer: text });
}

function askModel(
  services: ChorusServices,
  thread: AnswerThread,
  question: string,
  token: vscode.CancellationToken,
  onText: (t: string) => void,
): Promise<AskOutput> {
  const controller = new AbortController();
  const sub = token.onCancellationRequested(() => controller.abort());
  const asked = followUpQuestion(thread.turns, question);
  return services.engine
    .ask(asked, { code: thread.code, languageId: thread.languageId, filePath: thread.filePath }, controller.signal, onText)
    .finally(() => sub.dispose());
}
