// With nothing in chorus.models, the engine host asks Ollama (chorus.ollamaUrl) for its models and uses them as
// local models. This feature tells the user what happened — once, not on every settings change — and offers
// "Chorus: Find Ollama Models" to look again after starting Ollama.
import * as vscode from "vscode";
import type { ChorusServices } from "./services";
import { SETTINGS } from "./settings";
import { markStepDone, openWalkthrough } from "./walkthrough";

export const FIND_OLLAMA_COMMAND = "chorus.findOllamaModels";
const TOLD_KEY = "chorus.ollamaDiscovery.told";

export function registerOllamaDiscovery(services: ChorusServices): void {
  const { engineHost, log } = services;
  let told = "";
  const tell = () => {
    const source = engineHost.modelSource;
    const key =
      source.kind === "ollama"
        ? `ollama:${source.url}:${engineHost.config.models.length}`
        : source.kind === "none" && source.ollamaChecked
          ? `none:${source.ollamaUrl}`
          : "";
    if (!key || key === told) return;
    told = key;
    if (source.kind === "ollama") {
      if (engineHost.config.models.length > 0) markStepDone("ollama");
      // Said once per set of models, across sessions: a reload must not repeat it.
      if (services.context.globalState.get<string>(TOLD_KEY) === key) return;
      void services.context.globalState.update(TOLD_KEY, key);
      const n = engineHost.config.models.length;
      void vscode.window
        .showInformationMessage(
          `Chorus found ${n} model${n === 1 ? "" : "s"} in Ollama at ${source.url} and uses ${n === 1 ? "it" : "them"} as local models.`,
          "Choose Mode",
        )
        .then((pick) => {
          if (pick) void vscode.commands.executeCommand("chorus.chooseMode");
        });
    } else if (source.kind === "none") {
      // The sidecar's mixing presets still serve completions without any configured model: say so rather than
      // make Chorus look broken.
      const mixing = services.modes.forSurface("completion").some((m) => m.id.startsWith("mix:"));
      const still = mixing ? " Until then the sidecar's logit-mixing modes (Choose Mode) still complete code." : "";
      void vscode.window
        .showWarningMessage(
          `Chorus has no model: Ollama is not running at ${source.ollamaUrl} — start it or change ${SETTINGS.ollamaUrl}, or add a model to ${SETTINGS.models}.${still}`,
          "Set Up Chorus",
          "Retry",
        )
        .then((pick) => {
          if (pick === "Set Up Chorus") void openWalkthrough();
          if (pick === "Retry") void vscode.commands.executeCommand(FIND_OLLAMA_COMMAND);
        });
    }
  };
  services.context.subscriptions.push(
    engineHost.onDidChange(tell),
    vscode.commands.registerCommand(FIND_OLLAMA_COMMAND, async () => {
      told = "";
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: "Chorus: looking for Ollama…" }, () =>
        engineHost.refresh("find Ollama models"),
      );
      const source = engineHost.modelSource;
      if (source.kind === "settings") {
        void vscode.window.showInformationMessage(`Chorus uses the models in ${SETTINGS.models}; Ollama discovery only runs while that setting is empty.`);
      }
      log.info(`model source after search: ${source.kind}`);
    }),
  );
}
