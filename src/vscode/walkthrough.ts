// The "Get started with Chorus" walkthrough (package.json contributes.walkthroughs): opened by itself on the first
// run, and its steps ticked off only when their action worked. Each step completes on a context key (`onContext:`)
// that the feature sets on success — a command that was merely run (Ollama not found, a key box dismissed) leaves
// its step open. The demo step shows only while the sidecar serves the demo's mixing presets.
import * as vscode from "vscode";
import type { ChorusServices } from "./services";

export const WALKTHROUGH_ID = "chorus-dev.chorus#chorus.setup";
const OPENED_KEY = "chorus.walkthrough.opened";

/** Context keys the walkthrough's completionEvents wait for (`onContext:<key>` in package.json). */
export const STEP_DONE = {
  demo: "chorus.step.ghostTextAccepted",
  ollama: "chorus.step.ollamaFound",
  apiKey: "chorus.step.apiKeyStored",
  mode: "chorus.step.modeChosen",
  review: "chorus.step.reviewFinished",
  sidecar: "chorus.step.sidecarModelsShown",
  merge: "chorus.step.modelMerged",
} as const;

/** True while the sidecar serves the demo presets (`when` of the demo step). */
export const DEMO_CONTEXT = "chorus.demoSidecar";
/** The demo's preset names (src/sidecar/demo.ts demoPresets); the sidecar serves them as chorus/<name>. */
const DEMO_PRESETS = ["chorus/contrastive-ts", "chorus/poe-ts-py", "chorus/defer-weak-general", "chorus/dexperts-ts"];

export function markStepDone(step: keyof typeof STEP_DONE): void {
  void vscode.commands.executeCommand("setContext", STEP_DONE[step], true);
}

/** Called with the sidecar's virtual model ids whenever they are listed. */
export function noteSidecarPresets(ids: readonly string[]): void {
  void vscode.commands.executeCommand(
    "setContext",
    DEMO_CONTEXT,
    DEMO_PRESETS.some((p) => ids.includes(p)),
  );
}

export function openWalkthrough(): Thenable<unknown> {
  return vscode.commands.executeCommand("workbench.action.openWalkthrough", WALKTHROUGH_ID, false);
}

export function registerWalkthrough(services: ChorusServices): void {
  const state = services.context.globalState;
  if (state.get<boolean>(OPENED_KEY) || !openOnInstall()) return;
  void state.update(OPENED_KEY, true);
  void openWalkthrough();
}

/**
 * VS Code's own switch for walkthroughs opening after an install (the UI tests turn it off). It is machine-scoped:
 * a remote extension host (code-server) reads it from the remote's Machine settings.
 */
function openOnInstall(): boolean {
  return vscode.workspace.getConfiguration().get<boolean>("workbench.welcomePage.walkthroughs.openOnInstall") !== false;
}
