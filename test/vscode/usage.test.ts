import * as assert from "node:assert/strict";
import { describe, it } from "mocha";
import * as vscode from "vscode";
import { chorus, until } from "./helpers";

const usageTabs = () =>
  vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith("chorus.usage"));

describe("usage view", () => {
  it("opens one Chorus Usage panel and reveals it again instead of opening a second", async () => {
    await chorus();
    await vscode.commands.executeCommand("chorus.showUsage");
    await until("the usage tab", () => usageTabs().length === 1);
    assert.equal(usageTabs()[0]?.label, "Chorus Usage");
    await vscode.commands.executeCommand("workbench.action.files.newUntitledFile");
    await until("another editor to be active", () => !usageTabs()[0]?.isActive);
    await vscode.commands.executeCommand("chorus.showUsage");
    await until("the usage tab to be revealed", () => usageTabs()[0]?.isActive === true);
    assert.equal(usageTabs().length, 1, "still one panel");
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });
});
