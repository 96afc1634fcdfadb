// The review panel's host side: one webview panel with a strict CSP (nonce-locked script, styles and fonts only
// from the extension), local resources limited to dist/ and media/, a `ready` handshake (messages wait until
// the webview listens), and a serializer so the panel comes back after a reload. Every message from the webview
// is validated before anything acts on it.

import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import type { Finding } from "../core/collab/text/findings";
import { isFixAnchor } from "../core/collab/text/fix-anchor";
import { parseWebviewMessage, type HostMessage, type WebviewMessage } from "../core/collab/text/panel-messages";
import type { Log } from "./log";
import type { ReviewSnapshot } from "./review-snapshot";

export const REVIEW_VIEW_TYPE = "chorus.review";

/** What survives a reload, read back from the webview's saved state (untrusted: validated here). */
export interface RestoredRun {
  runId: string;
  uri: vscode.Uri;
  findings: Finding[];
  applied: string[];
  /** The window reloaded while the run was going: it cannot resume, and the panel must say so. */
  interrupted: boolean;
}

export class ReviewPanel implements vscode.Disposable {
  private ready = false;
  private queue: HostMessage[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private readonly disposed = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposed.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly log: Log,
    private readonly onMessage: (m: WebviewMessage) => void,
    private readonly snapshot?: ReviewSnapshot,
    starting = false,
  ) {
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, "dist"), vscode.Uri.joinPath(extensionUri, "media")],
    };
    panel.webview.html = html(panel.webview, extensionUri, starting);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** `starting`: opened for a run that is about to start, so the page says so instead of "No review yet". */
  static create(extensionUri: vscode.Uri, log: Log, onMessage: (m: WebviewMessage) => void, snapshot?: ReviewSnapshot, starting = false): ReviewPanel {
    const panel = vscode.window.createWebviewPanel(
      REVIEW_VIEW_TYPE,
      "Chorus Review",
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { retainContextWhenHidden: true },
    );
    return new ReviewPanel(panel, extensionUri, log, onMessage, snapshot, starting);
  }

  /** Send to the webview; held back until it has said `ready`. The host's snapshot records it at once. */
  post(m: HostMessage): void {
    this.snapshot?.record(m);
    this.deliver(m);
  }

  private deliver(m: HostMessage): void {
    if (!this.ready) {
      this.queue.push(m);
      return;
    }
    void this.panel.webview.postMessage(m).then(undefined, (e: unknown) => this.log.warn(`review panel: a message was not delivered (${String(e)})`));
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  private receive(raw: unknown): void {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      this.log.warn(`review panel: ignored a message from the webview: ${parsed.error}`);
      return;
    }
    if (parsed.message.type === "ready") {
      // A reload of the webview says `ready` again: everything queued since is sent now.
      this.ready = true;
      const queued = this.queue;
      this.queue = [];
      for (const m of queued) this.deliver(m);
    }
    this.onMessage(parsed.message);
  }

  dispose(): void {
    this.ready = false;
    this.disposables.forEach((d) => d.dispose());
    this.disposables.length = 0;
    this.disposed.fire();
    this.disposed.dispose();
    this.panel.dispose();
  }
}

/** Read a run back from the webview's saved state; undefined when it is missing or does not look right. */
export function restoredRun(state: unknown): RestoredRun | undefined {
  if (typeof state !== "object" || state === null) return undefined;
  const s = state as { runId?: unknown; source?: { uri?: unknown }; findings?: unknown; applied?: unknown; done?: unknown };
  if (typeof s.runId !== "string" || typeof s.source?.uri !== "string" || !Array.isArray(s.findings)) return undefined;
  let uri: vscode.Uri;
  try {
    uri = vscode.Uri.parse(s.source.uri, true);
  } catch {
    return undefined;
  }
  const findings = s.findings.filter(isFinding).map(withCheckedFix);
  const applied = Array.isArray(s.applied) ? s.applied.filter((a): a is string => typeof a === "string") : [];
  return { runId: s.runId, uri, findings, applied, interrupted: s.done === undefined };
}

function isFinding(f: unknown): f is Finding {
  if (typeof f !== "object" || f === null) return false;
  const x = f as Partial<Finding>;
  return (
    typeof x.id === "string" &&
    typeof x.lines?.start === "number" &&
    typeof x.lines.end === "number" &&
    (x.patch === undefined || typeof x.patch === "string") &&
    Array.isArray(x.raisedBy) &&
    Array.isArray(x.supportedBy) &&
    Array.isArray(x.disputedBy)
  );
}

/** A saved fix anchor that does not look right is dropped: its finding's fix is then refused, never applied blind. */
function withCheckedFix(f: Finding): Finding {
  const { fix, fixError, ...rest } = f;
  const checked: Finding = rest;
  if (isFixAnchor(fix)) checked.fix = fix;
  if (typeof fixError === "string") checked.fixError = fixError;
  return checked;
}

function html(webview: vscode.Webview, extensionUri: vscode.Uri, starting: boolean): string {
  const nonce = randomBytes(16).toString("base64");
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, "dist", "webview.js"));
  const css = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, "media", "review.css"));
  // No inline script, no eval, no remote anything. The elements library styles itself through constructed
  // stylesheets (not inline <style>), so style-src needs only our own origin.
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
  ].join("; ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css.toString()}">
<title>Chorus Review</title>
</head>
<body>
<main id="app" aria-live="off"${starting ? " data-starting" : ""}></main>
<script type="module" nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}
