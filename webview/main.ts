// The review panel's entry point (bundled to dist/webview.js). It only renders what the host sends and asks the
// host to act (reveal, preview, apply, cancel); it never calls a model. State is saved with setState after each
// redraw so the panel survives a reload.

import "@vscode-elements/elements/dist/vscode-badge/index.js";
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-progress-ring/index.js";
import type { HostMessage, WebviewMessage } from "../src/core/collab/text/panel-messages";
import { render } from "./render";
import { reduce, requestCancel, restoreState } from "./state";

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById("app") ?? document.body;
let state = restoreState(vscode.getState());
let pending: ReturnType<typeof setTimeout> | undefined;

function isHostMessage(m: unknown): m is HostMessage {
  if (typeof m !== "object" || m === null) return false;
  const { type, data } = m as { type?: unknown; data?: unknown };
  return (type === "run" || type === "review-event" || type === "fix-applied" || type === "restore") && typeof data === "object" && data !== null;
}

/** Redraw at most every 50 ms while text streams in (setTimeout, not rAF: rAF stops in a hidden panel). */
function schedule(): void {
  pending ??= setTimeout(() => {
    pending = undefined;
    draw();
  }, 50);
}

function draw(): void {
  // A part that changed is built anew (render.ts); keep keyboard focus and open <details> on the same logical element.
  const focusedKey = (document.activeElement as HTMLElement | null)?.dataset?.key;
  const open = [...root.querySelectorAll<HTMLDetailsElement>("details[open]")].map((d) => d.dataset.key);
  render(root, state);
  for (const key of open) if (key) root.querySelector<HTMLDetailsElement>(`details[data-key="${CSS.escape(key)}"]`)?.setAttribute("open", "");
  if (focusedKey) root.querySelector<HTMLElement>(`[data-key="${CSS.escape(focusedKey)}"]`)?.focus();
  vscode.setState(state);
}

window.addEventListener("message", (ev: MessageEvent<unknown>) => {
  if (!isHostMessage(ev.data)) return;
  state = reduce(state, ev.data);
  schedule();
});

/** Ask the host to stop the run, and say "Cancelling…" at once: the run may take a moment to wind down. */
function cancelRun(): void {
  if (!state.runId || !requestCancel(state)) return;
  vscode.postMessage({ type: "cancel-run", id: "", data: { runId: state.runId } });
  draw();
}

function act(target: EventTarget | null): boolean {
  const el = target instanceof Element ? target.closest<HTMLElement>("[data-action]") : null;
  if (!el || el.hasAttribute("disabled") || !state.runId) return false;
  const action = el.dataset.action;
  if (action === "cancel-run") {
    cancelRun();
    return true;
  }
  if (action === "rerun") {
    vscode.postMessage({ type: "rerun", id: "", data: { runId: state.runId } });
    return true;
  }
  const findingId = el.closest<HTMLElement>("[data-finding]")?.dataset.finding;
  if (!findingId) return false;
  if (action === "reveal" || action === "preview-fix" || action === "apply-fix") {
    vscode.postMessage({ type: action, id: "", data: { runId: state.runId, findingId } });
    return true;
  }
  return false;
}

root.addEventListener("click", (ev) => {
  if (act(ev.target)) ev.preventDefault();
});

// Keyboard: Enter on a finding reveals its lines; ↑/↓ move between findings; Escape cancels a running review.
root.addEventListener("keydown", (ev) => {
  const card = ev.target instanceof HTMLElement && ev.target.matches("article.finding") ? ev.target : null;
  if (card && ev.key === "Enter" && state.runId) {
    vscode.postMessage({ type: "reveal", id: "", data: { runId: state.runId, findingId: card.dataset.finding ?? "" } });
    ev.preventDefault();
  } else if (card && (ev.key === "ArrowDown" || ev.key === "ArrowUp")) {
    const next = ev.key === "ArrowDown" ? card.nextElementSibling : card.previousElementSibling;
    if (next instanceof HTMLElement) next.focus();
    ev.preventDefault();
  }
});
window.addEventListener("keydown", (ev) => {
  if (ev.key === "Escape") cancelRun();
});

draw();
vscode.postMessage({ type: "ready", id: "", data: {} });
