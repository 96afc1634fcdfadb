// Small commands that only open parts of the workbench: the log, the setup walkthrough, the settings.
import * as vscode from "vscode";
import { openWalkthrough } from "./walkthrough";
import type { ChorusServices } from "./services";

export function registerWorkbenchCommands(services: ChorusServices): void {
  services.context.subscriptions.push(
    vscode.commands.registerCommand("chorus.showLog", () => services.log.show()),
    vscode.commands.registerCommand("chorus.openWalkthrough", openWalkthrough),
    vscode.commands.registerCommand("chorus.openSettings", () => vscode.commands.executeCommand("workbench.action.openSettings", "@ext:chorus-dev.chorus")),
  );
}
