// The Chorus status bar item: the active completion mode and the last decision the engine made (which model
// answered and why). The tooltip explains it in full; a click opens the mode picker.
import * as vscode from "vscode";
import { errorInWords, type LedgerEntry } from "../core/ledger";
import type { ModeSurface } from "../core/modes";
import { activeMode, CHOOSE_MODE_COMMAND } from "./mode-picker";
import { SURFACES } from "./mode-choice";
import type { ChorusServices } from "./services";

export const STATUS_BAR_ID = "chorus.status";

export function registerStatusBar(services: ChorusServices): void {
  const item = vscode.window.createStatusBarItem(STATUS_BAR_ID, vscode.StatusBarAlignment.Right, 100);
  item.name = "Chorus";
  item.command = CHOOSE_MODE_COMMAND;
  // The item's text names the model of the last answer (a completion or Ask: one model each); a review's many
  // calls would leave it naming whichever spoke last. The tooltip explains the last decision on any surface. A call
  // cancelled because its answer was no longer wanted (the user typed on) changes neither.
  let last: LedgerEntry | undefined;
  let lastAnswer: LedgerEntry | undefined;
  const render = () => renderStatus(services, item, last, lastAnswer);
  services.context.subscriptions.push(
    item,
    services.engineHost.onDidChange(render),
    services.modeChoices.onDidChange(render),
    services.ledger.onRecord((e) => {
      if (e.error === "cancelled") return;
      last = e;
      if (e.surface === "completion" || e.surface === "ask") lastAnswer = e;
      render();
    }),
  );
  render();
  item.show();
}

function renderStatus(services: ChorusServices, item: vscode.StatusBarItem, last: LedgerEntry | undefined, lastAnswer: LedgerEntry | undefined): void {
  const completion = activeMode(services, "completion");
  const source = services.engineHost.modelSource;
  const noModels = services.engineHost.config.models.length === 0;
  const answered = lastAnswer ? ` · ${lastAnswer.ok ? lastAnswer.model : "$(error) " + lastAnswer.model}` : "";
  item.text = `$(${noModels ? "warning" : "layers"}) Chorus: ${completion?.id ?? "no mode"}${answered}`;
  item.accessibilityInformation = { label: `Chorus, completion mode ${completion?.label ?? "none"}. Click to choose a collaboration mode.` };
  item.backgroundColor = noModels ? new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;

  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = { enabledCommands: [CHOOSE_MODE_COMMAND, "chorus.showUsage", "chorus.showLog", "workbench.action.openWalkthrough"] };
  md.appendMarkdown(`**Chorus** — collaboration modes\n\n`);
  for (const s of SURFACES) md.appendMarkdown(`- ${label(s)}: ${modeText(services, s)}\n`);
  md.appendMarkdown(`\n`);
  if (noModels) {
    const where = source.kind === "none" && source.ollamaChecked ? ` and no Ollama answered at ${source.ollamaUrl}` : "";
    md.appendMarkdown(
      `$(warning) No model is configured${escape(where)}. [Set up Chorus](command:workbench.action.openWalkthrough?${encodeURIComponent(JSON.stringify("chorus-dev.chorus#chorus.setup"))})\n\n`,
    );
  } else {
    const from = source.kind === "ollama" ? ` (found in Ollama at ${source.url})` : "";
    md.appendMarkdown(`Models: ${escape(services.engineHost.config.models.map((m) => m.id).join(", "))}${escape(from)}\n\n`);
  }
  if (last) {
    md.appendMarkdown(`**Last decision** (${escape(last.surface)}, mode ${escape(last.mode)}): ${escape(last.model)}`);
    if (last.decision) md.appendMarkdown(` — ${escape(last.decision)}`);
    md.appendMarkdown(`\n\n`);
    if (last.reason) md.appendMarkdown(`Why: ${escape(last.reason)}\n\n`);
    md.appendMarkdown(
      last.ok
        ? `${last.inputTokens}+${last.outputTokens} tokens · ${last.costUsd === 0 ? "no cost" : `$${last.costUsd.toFixed(4)}`} · ${Math.round(last.latencyMs)} ms\n\n`
        : `Failed: ${escape(errorInWords(last.error))}\n\n`,
    );
  }
  md.appendMarkdown(`[Choose mode](command:${CHOOSE_MODE_COMMAND}) · [Show usage](command:chorus.showUsage) · [Show log](command:chorus.showLog)`);
  item.tooltip = md;
}

function label(s: ModeSurface): string {
  return s === "completion" ? "Completions" : s === "ask" ? "Ask" : "Review";
}

function modeText(services: ChorusServices, surface: ModeSurface): string {
  const m = activeMode(services, surface);
  if (!m) return "_no mode available yet_";
  const chosen = services.modeChoices.get(surface) === m.id ? " (chosen for this workspace)" : "";
  return `**${escape(m.label)}** \`${m.id}\`${chosen}`;
}

/** Model names and reasons come from settings and providers: keep them from being read as Markdown. */
function escape(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, "\\$&");
}
