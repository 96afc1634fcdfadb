// Small commands that only open parts of the workbench: the log, the setup walkthrough, the settings.
import * as vscode from "vscode";
import { WALKTHROUGH_ID } from "./ollama-discovery";
import type { ChorusServices } from "./services";

export function registerWorkbenchCommands(services: ChorusServices): void {
  services.context.subscriptions.push(
    vscode.commands.registerCommand("chorus.showLog", () => services.log.show()),
    vscode.commands.registerCommand("chorus.openWalkthrough", () => vscode.commands.executeCommand("workbench.action.openWalkthrough", WALKTHROUGH_ID, false)),
    vscode.commands.registerCommand("chorus.openSettings", () => vscode.commands.executeCommand("workbench.action.openSettings", "@ext:chorus-dev.chorus")),
  );
}
