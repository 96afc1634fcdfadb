// The first time Chorus runs on its demo models (nothing configured, no Ollama), it says once what they are, what
// they can do (short code-like completions) and cannot (follow instructions, answer questions, review), and offers
// one step each to real models: Ollama, or an API key.
import * as vscode from "vscode";
import { DEMO_MODEL_LABEL } from "../core/demo/demo-models";
import type { ChorusServices } from "./services";

const SHOWN_KEY = "chorus.demoNotice.shown";

export const DEMO_NOTICE =
  `running on its small demo models (${DEMO_MODEL_LABEL}). They write short code-like completions; they cannot ` +
  "follow instructions, answer questions or review code (the demo's review uses a scripted reviewer with recorded findings). " +
  "For real work, connect Ollama or add an API key.";

/** Under a failed or empty Ask in the demo. */
export const DEMO_ASK_NOTE =
  "These are Chorus's small demo models: they read 256 bytes of context and write code, not answers. To ask questions, start Ollama (Chorus: Find Ollama Models) or add an API key (Chorus: Set API Key…).";

export function registerDemoNotice(services: ChorusServices): void {
  const state = services.context.globalState;
  const listener = services.engineHost.onDidChange(() => {
    if (services.engineHost.modelSource.kind !== "demo" || state.get<boolean>(SHOWN_KEY)) return;
    void state.update(SHOWN_KEY, true);
    listener.dispose();
    void vscode.window.showInformationMessage(`Chorus: ${DEMO_NOTICE}`, "Connect Ollama", "Add API Key").then((pick) => {
      if (pick === "Connect Ollama") void vscode.commands.executeCommand("chorus.findOllamaModels");
      if (pick === "Add API Key") void vscode.commands.executeCommand("chorus.setApiKey");
    });
  });
  services.context.subscriptions.push(listener);
}
