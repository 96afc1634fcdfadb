// Chorus extension entry point. activate() builds the shared services once, then each feature registers itself
// through one `registerX(services)` call in FEATURES below. To add a feature: write `export function
// registerX(services: ChorusServices)` in its own file under src/vscode/ and add ONE line to FEATURES.
import * as vscode from "vscode";
import { EngineHost } from "./engine-host";
import { componentLog, createLogChannel, errorMessage } from "./log";
import { ModeChoices } from "./mode-choice";
import { registerAskCommand } from "./ask-command";
import { registerInlineCompletions } from "./inline-completions";
import { registerMergeCommand } from "./merge-command";
import { registerModePicker } from "./mode-picker";
import { registerOllamaDiscovery } from "./ollama-discovery";
import { registerReview } from "./review-commands";
import { registerSecrets } from "./secrets";
import { registerSidecar } from "./sidecar-process";
import type { ChorusServices, FeatureRegistration } from "./services";
import { registerStatusBar } from "./status-bar";
import { registerUsageView } from "./usage-view";
import { registerWalkthrough } from "./walkthrough";
import { registerWorkbenchCommands } from "./workbench-commands";

/** Each runs once, in this order. Features may register modes here: the status bar and picker read the registry
 *  after the final `engineHost.refresh` below, so a mode registered by a later line still shows. */
const FEATURES: [name: string, register: FeatureRegistration][] = [
  ["commands", registerWorkbenchCommands],
  ["secrets", registerSecrets],
  ["mode picker", registerModePicker],
  ["status bar", registerStatusBar],
  ["usage view", registerUsageView],
  ["ollama discovery", registerOllamaDiscovery],
  // ↑ foundation · features ↓ (one line each)
  ["review", registerReview],
  ["sidecar", registerSidecar],
  ["inline completions and routing modes", registerInlineCompletions],
  ["ask", registerAskCommand],
  ["merge models", registerMergeCommand],
  ["walkthrough", registerWalkthrough],
];

/** What activate() returns: the services, so extension-host tests (and other extensions) can reach the engine. */
export type ChorusApi = ChorusServices;

export async function activate(context: vscode.ExtensionContext): Promise<ChorusApi> {
  const channel = createLogChannel();
  context.subscriptions.push(channel);
  const log = componentLog(channel, "chorus");
  const modeChoices = new ModeChoices(context.workspaceState);
  const engineHost = new EngineHost(context, log.child("engine"), () => modeChoices.all());
  context.subscriptions.push(modeChoices, engineHost);
  const engine = engineHost.engine;
  const services: ChorusServices = { context, log, engineHost, engine, ledger: engine.ledger, modes: engine.modes, modeChoices };

  for (const [name, register] of FEATURES) {
    try {
      await register(services);
    } catch (e) {
      // One broken feature must not take the others down with it.
      log.error(`could not start ${name}: ${errorMessage(e)}`);
      void vscode.window.showErrorMessage(`Chorus: ${name} could not start: ${errorMessage(e)}`, "Show Log").then((pick) => {
        if (pick) channel.show();
      });
    }
  }
  // Settings, Ollama discovery and mode choices are read after every feature had the chance to register its modes.
  await engineHost.refresh("activation");
  log.info(`Chorus ${String(context.extension.packageJSON.version)} active in ${vscode.env.appName}`);
  return services;
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
