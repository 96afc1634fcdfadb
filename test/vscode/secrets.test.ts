import * as assert from "node:assert/strict";
import { describe, it } from "mocha";
import * as vscode from "vscode";
import { chorus } from "./helpers";

describe("API keys", () => {
  it("stores a key in SecretStorage, never in settings, and clears it", async () => {
    const api = await chorus();
    const name = `CHORUS_TEST_KEY_${Date.now()}`;
    const value = "sk-test-0123456789";
    await vscode.commands.executeCommand("chorus.setApiKey", name, `  ${value}  `);
    assert.equal(await api.context.secrets.get(name), value, "trimmed and stored");
    const settingsText = JSON.stringify(vscode.workspace.getConfiguration("chorus"));
    assert.ok(!settingsText.includes(value), "the key never lands in settings");
    await vscode.commands.executeCommand("chorus.clearApiKey", name);
    assert.equal(await api.context.secrets.get(name), undefined);
  });

  it("hands the stored key to the provider of a model that names it", async () => {
    const api = await chorus();
    const seen: (string | undefined)[] = [];
    // The engine looks keys up through the host's SecretLookup; check it reads SecretStorage.
    await vscode.commands.executeCommand("chorus.setApiKey", "CHORUS_TEST_LOOKUP", "sk-lookup");
    try {
      const models = api.engine.models as unknown as { secrets: (n: string) => Promise<string | undefined> };
      seen.push(await models.secrets("CHORUS_TEST_LOOKUP"));
      assert.deepEqual(seen, ["sk-lookup"]);
    } finally {
      await vscode.commands.executeCommand("chorus.clearApiKey", "CHORUS_TEST_LOOKUP");
    }
  });

  it("rejects a key name that could not be an identifier", async () => {
    const api = await chorus();
    await vscode.commands.executeCommand("chorus.setApiKey", "bad name!", "x");
    assert.equal(await api.context.secrets.get("bad name!"), undefined);
  });
});
