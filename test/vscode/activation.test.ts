import * as assert from "node:assert/strict";
import { describe, it } from "mocha";
import * as vscode from "vscode";
import { chorus, EXTENSION_ID, manifest } from "./helpers";

describe("activation", () => {
  it("activates without '*' and returns the services", async () => {
    const api = await chorus();
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
    assert.ok(api.engine.modes.get("single"), "the built-in single mode is registered");
    const events = (manifest().activationEvents as string[] | undefined) ?? [];
    assert.ok(!events.includes("*"), "no eager activation");
  });

  it("registers every command it contributes, each in the Chorus category", async () => {
    await chorus();
    const contributed = (manifest().contributes.commands as { command: string; category?: string }[]) ?? [];
    assert.ok(contributed.length >= 5);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c.command)).map((c) => c.command);
    assert.deepEqual(missing, [], "contributed but not registered");
    const uncategorized = contributed.filter((c) => c.category !== "Chorus").map((c) => c.command);
    assert.deepEqual(uncategorized, [], "commands outside the Chorus category");
  });

  it("gives every keybinding a when clause", () => {
    const keys = (manifest().contributes.keybindings as { command: string; when?: string }[]) ?? [];
    assert.deepEqual(
      keys.filter((k) => !k.when).map((k) => k.command),
      [],
    );
  });

  it("reads the models from the settings the test run wrote", async () => {
    const api = await chorus();
    const ids = api.engine.config.models.map((m) => m.id);
    assert.ok(ids.includes("fake-local"), `models: ${ids.join(", ")}`);
    assert.equal(api.engineHost.modelSource.kind, "settings");
  });
});
