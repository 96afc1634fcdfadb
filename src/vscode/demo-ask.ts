// Ask with the demo models. They were trained to continue code, read 256 bytes, and were never taught to answer, so
// sending them the question would fail (the prompt does not fit) or return noise. Instead the answer says so first,
// then shows what they can do, labelled for what it is: how the demo's completion mode continues the selected code.

import * as vscode from "vscode";
import { modelLabel } from "../core/demo/demo-models";
import type { CompletionOutput } from "../core/modes";
import type { AnswerDocuments, AnswerThread } from "./answer-view";
import { DEMO_ASK_NOTE } from "./demo-notice";
import type { ChorusServices } from "./services";

/** The end of the selection the demo model continues: what fits its 256-byte context with room to write. */
const PREFIX_BYTES = 160;

/** Appends the demo's answer to `question` and returns the text recorded for the thread. */
export async function answerWithDemoModels(services: ChorusServices, answers: AnswerDocuments, uri: vscode.Uri, thread: AnswerThread): Promise<string> {
  answers.append(uri, `${DEMO_ASK_NOTE}\n\n`);
  const code = thread.code?.replace(/\s+$/, "");
  if (!code) {
    answers.append(uri, "What they can do is continue code: select some and ask again to see how they continue it.\n");
    answers.refresh(uri);
    return "";
  }
  const out = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: "Chorus: the demo model is continuing the selection…", cancellable: true },
    (_progress, token) => continueCode(services, thread, `${tail(code)}\n`, token),
  );
  const label = modelLabel(services.engineHost.config.models, out.decision.model);
  const who = label ? `${out.decision.model} — ${label}` : out.decision.model;
  const fence = "```";
  answers.append(
    uri,
    out.text.trim()
      ? `What they can do is continue code. **Not an answer to the question:** how the demo model continues the selection after its last line:\n\n${fence}${thread.languageId ?? ""}\n${out.text.replace(/\s+$/, "")}\n${fence}\n`
      : "What they can do is continue code, but here the demo model wrote nothing after the selection.\n",
  );
  answers.append(uri, `\n---\n*Continued by ${who} (${out.decision.action}): ${out.decision.reason}*\n`);
  answers.refresh(uri);
  return out.text;
}

function continueCode(services: ChorusServices, thread: AnswerThread, prefix: string, token: vscode.CancellationToken): Promise<CompletionOutput> {
  const controller = new AbortController();
  const sub = token.onCancellationRequested(() => controller.abort());
  const input = { prefix, suffix: "", languageId: thread.languageId ?? "plaintext", filePath: thread.filePath ?? "", atLineEnd: true, multiline: true };
  return services.engine.complete(input, controller.signal).finally(() => sub.dispose());
}

/** The last PREFIX_BYTES of the code, from a line start. */
function tail(code: string): string {
  if (Buffer.byteLength(code, "utf8") <= PREFIX_BYTES) return code;
  const cut = code.slice(-PREFIX_BYTES);
  const lineStart = cut.indexOf("\n");
  return lineStart >= 0 && lineStart < cut.length - 1 ? cut.slice(lineStart + 1) : cut;
}
