// "Chorus: Show Usage": a webview panel with cost and latency by model and mode from the ledger. It re-renders
// when a new call is recorded (at most every 2 s while visible), and reopens after a reload (serializer).
import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import type { ChorusServices } from "./services";
import { renderUsageHtml, USAGE_LOG_COMMAND } from "./usage-html";

export const SHOW_USAGE_COMMAND = "chorus.showUsage";
const VIEW_TYPE = "chorus.usage";
const OPTIONS: vscode.WebviewOptions & vscode.WebviewPanelOptions = { enableScripts: false, enableCommandUris: [USAGE_LOG_COMMAND], localResourceRoots: [] };

export function registerUsageView(services: ChorusServices): void {
  let panel: vscode.WebviewPanel | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const render = () => {
    if (!panel) return;
    try {
      panel.webview.html = renderUsageHtml({ entries: services.ledger.read(), nonce: randomBytes(16).toString("base64"), cspSource: panel.webview.cspSource });
    } catch (e) {
      services.log.error(`usage view: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const adopt = (p: vscode.WebviewPanel) => {
    panel = p;
    // Also for a panel restored after a reload: the failure summary's link to the log is a command URI.
    p.webview.options = OPTIONS;
    p.onDidDispose(() => (panel = undefined));
    p.onDidChangeViewState(() => p.visible && render());
    render();
  };

  services.context.subscriptions.push(
    vscode.commands.registerCommand(SHOW_USAGE_COMMAND, () => {
      if (panel) {
        panel.reveal();
        render();
        return;
      }
      adopt(vscode.window.createWebviewPanel(VIEW_TYPE, "Chorus Usage", vscode.ViewColumn.Active, OPTIONS));
    }),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      deserializeWebviewPanel: async (p) => adopt(p),
    }),
    services.ledger.onRecord(() => {
      if (!panel?.visible || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        render();
      }, 2000);
    }),
    { dispose: () => timer && clearTimeout(timer) },
  );
}
