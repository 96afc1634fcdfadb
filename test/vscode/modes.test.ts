import * as assert from "node:assert/strict";
import { describe, it } from "mocha";
import * as vscode from "vscode";
import { chorus } from "./helpers";

describe("collaboration modes", () => {
  it("persists a mode choice per workspace and applies it to the engine", async () => {
    const api = await chorus();
    // A mode registered the way every feature registers its own.
    if (!api.modes.get("test-echo")) {
      api.modes.register({ id: "test-echo", label: "Test echo", description: "registered by the test", surfaces: ["ask"] });
    }
    try {
      await vscode.commands.executeCommand("chorus.chooseMode", "ask", "test-echo");
      assert.equal(api.modeChoices.get("ask"), "test-echo");
      assert.deepEqual(api.context.workspaceState.get("chorus.modeChoices"), { ask: "test-echo" });
      assert.equal(api.engine.config.modes.ask, "test-echo");
      assert.equal(api.modes.resolve("ask", api.engine.config.modes.ask).id, "test-echo");
    } finally {
      await api.modeChoices.set("ask", undefined);
      api.engineHost.applyModeChoices();
    }
    assert.equal(api.engine.config.modes.ask, "single", "clearing the choice falls back to chorus.modes.ask");
  });

  it("refuses a mode that does not serve the surface and keeps the previous choice", async () => {
    const api = await chorus();
    const before = api.engine.config.modes.completion;
    await vscode.commands.executeCommand("chorus.chooseMode", "completion", "no-such-mode");
    await vscode.commands.executeCommand("chorus.chooseMode", "sideways", "single");
    assert.equal(api.modeChoices.get("completion"), undefined);
    assert.equal(api.engine.config.modes.completion, before);
  });
});
