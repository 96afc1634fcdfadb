// Inline completions (ghost text) through the active completion mode: the InlineCompletionItemProvider (the
// engine side — cache, debounce, one request in flight, FIM budgets — is src/core/completion; the call goes on
// through Engine.complete → the mode's strategy → Models.complete → the provider), the chorus.routing.* settings
// applied to the engine's routing state, and acceptance tracking that teaches the router: accepted with Tab,
// rejected by typing on, or partly kept after 30 s.

import * as vscode from "vscode";
import { AcceptanceTracker } from "../core/completion/acceptance";
import { CompletionEngine } from "../core/completion/session";
import { isAbortError } from "../core/providers/errors";
import { errorMessage } from "./log";
import { readRoutingSettings, type RoutingSettings } from "./routing-settings";
import type { ChorusServices } from "./services";
import { markStepDone } from "./walkthrough";

export const ACCEPTED_COMMAND = "chorus.completion.accepted";
/** Context lines either side of the cursor read from the document; the FIM budget clips further. */
const LINES_BEFORE = 400;
const LINES_AFTER = 120;
/** The same error is shown at most this often; completions fire on every pause in typing. */
const ERROR_QUIET_MS = 5 * 60_000;

export function registerInlineCompletions(services: ChorusServices): void {
  const { context, engine } = services;
  const log = services.log.child("completion");
  /** Skip reasons already said at Info level in this window. */
  const toldSkips = new Set<string>();
  let settings: RoutingSettings = readRoutingSettings(vscode.workspace.getConfiguration());
  const collab = engine.collab;

  const makeEngine = (): CompletionEngine =>
    new CompletionEngine({
      engine,
      modeKey: () => engine.config.modes.completion,
      multiline: () => settings.completion.multiline,
      debounce: { ...settings.completion.debounce, rate: 1.5 },
      // "Why is there no ghost text?": with the log level at Debug, Chorus: Show Log answers it per request. A reason
      // the user can act on is said once at Info level (per reason and mode), so the default log answers it too.
      onSkip: (why, userCanAct) => {
        const key = `${engine.config.modes.completion}\u0000${why}`;
        if (!userCanAct || toldSkips.has(key)) return log.debug(`no ghost text: ${why}`);
        toldSkips.add(key);
        log.info(`no ghost text: ${why}. Try another completion mode or model (Chorus: Choose Collaboration Mode); repeats are logged at Debug level.`);
      },
    });
  let completions = makeEngine();
  const tracker = new AcceptanceTracker({
    onFeedback: (id, fb) => {
      if (collab?.feedback(id, fb)) log.debug(`learned from a ${fb.kind} completion`);
    },
  });
  const shownErrors = new Map<string, number>();

  const applySettings = (): void => {
    settings = readRoutingSettings(vscode.workspace.getConfiguration());
    for (const p of settings.problems) log.warn(`${p}; using the default`);
    try {
      collab?.configure(settings.collab);
    } catch (e) {
      log.warn(errorMessage(e));
    }
    completions = makeEngine();
  };
  applySettings();

  const provider: vscode.InlineCompletionItemProvider = {
    async provideInlineCompletionItems(document, position, _ctx, token) {
      if (!settings.completion.enabled || document.uri.scheme === "output") return undefined;
      const editorKey = document.uri.toString();
      const start = new vscode.Position(Math.max(0, position.line - LINES_BEFORE), 0);
      const lastLine = Math.min(document.lineCount - 1, position.line + LINES_AFTER);
      const prefix = document.getText(new vscode.Range(start, position));
      const suffix = document.getText(new vscode.Range(position, document.lineAt(lastLine).range.end));
      tracker.nextRequest(editorKey, prefix);
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      try {
        const filePath = document.uri.scheme === "file" ? document.uri.fsPath : document.uri.path;
        const r = await completions.request({ editorKey, prefix, suffix, languageId: document.languageId, filePath }, controller.signal);
        if (!r || token.isCancellationRequested) return undefined;
        log.debug(`ghost text from ${r.output.decision.model}${r.fromCache ? " (cached)" : ""}: ${r.output.decision.reason}`);
        const id = r.output.feedbackId;
        tracker.offered(editorKey, id, prefix, r.text);
        const item = new vscode.InlineCompletionItem(r.text, new vscode.Range(position, position), {
          command: ACCEPTED_COMMAND,
          title: "Accept Chorus completion",
          arguments: [editorKey, id, r.text, document.offsetAt(position)],
        });
        return [item];
      } catch (e) {
        if (!isAbortError(e)) reportError(e);
        return undefined;
      } finally {
        sub.dispose();
      }
    },
  };

  const reportError = (e: unknown): void => {
    const msg = errorMessage(e);
    log.warn(`completion failed: ${msg}`);
    // Repeats are held back by kind, not by wording: the same failure often differs only in a number (token
    // counts, ports), and a notification per keystroke pause helps no one.
    const kind = msg.replace(/\d+/g, "#");
    const last = shownErrors.get(kind) ?? 0;
    if (Date.now() - last < ERROR_QUIET_MS) return;
    shownErrors.set(kind, Date.now());
    void vscode.window.showWarningMessage(`Chorus completions: ${msg}`, "Show Log").then((pick) => {
      if (pick) log.show();
    });
  };

  context.subscriptions.push(
    vscode.languages.registerInlineCompletionItemProvider({ pattern: "**" }, provider),
    vscode.commands.registerCommand(ACCEPTED_COMMAND, (editorKey: string, id: string | undefined, text: string, offset: number) => {
      markStepDone("demo");
      tracker.accepted(editorKey, id, text, offset, () => vscode.workspace.textDocuments.find((d) => d.uri.toString() === editorKey)?.getText());
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("chorus.routing") || e.affectsConfiguration("chorus.completion")) applySettings();
    }),
    // A mode or model change must not serve answers cached from the old setup.
    services.engineHost.onDidChange(() => completions.clearCache()),
    vscode.workspace.onDidCloseTextDocument((d) => completions.closeEditor(d.uri.toString())),
    { dispose: () => tracker.dispose() },
  );
}
