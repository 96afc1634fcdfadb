import * as assert from "node:assert/strict";
import { describe, it } from "mocha";
import * as vscode from "vscode";
import { chorus, nextEvent } from "./helpers";

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

  it("a cloud model is refused without its key and answers once Set API Key stored it", async () => {
    const api = await chorus();
    const url = process.env.CHORUS_TEST_OPENAI_URL;
    const key = process.env.CHORUS_TEST_OPENAI_KEY;
    assert.ok(url && key, "the runner passes the fake OpenAI endpoint and its key");
    const config = vscode.workspace.getConfiguration();
    const original = config.inspect("chorus.models")?.globalValue;
    const secret = "CHORUS_TEST_OPENAI_KEY";
    const ask = () => api.engine.ask("What is 2+2?", { modeId: "single" }, new AbortController().signal);
    try {
      const changed = nextEvent(api.engineHost.onDidChange, (c) => c.models[0]?.id === "cloud");
      await config.update(
        "chorus.models",
        [{ id: "cloud", provider: "openai", endpoint: url, model: "gpt-4o-mini", tags: ["cloud", "strong"], apiKeySecret: secret }],
        vscode.ConfigurationTarget.Global,
      );
      await changed;
      await assert.rejects(ask(), (e: Error & { kind?: string }) => e.kind === "unauthorized");

      // Storing the key rebuilds the providers: the next call carries it.
      const rebuilt = nextEvent(api.engineHost.onDidChange);
      await vscode.commands.executeCommand("chorus.setApiKey", secret, key);
      await rebuilt;
      const out = await ask();
      assert.equal(out.text, "fake reply from gpt-4o-mini");
      assert.equal(out.decision.model, "cloud");
    } finally {
      await vscode.commands.executeCommand("chorus.clearApiKey", secret);
      const restored = nextEvent(api.engineHost.onDidChange, (c) => c.models.some((m) => m.id === "fake-local"));
      await config.update("chorus.models", original, vscode.ConfigurationTarget.Global);
      await restored;
    }
  });

  it("rejects a key name that could not be an identifier", async () => {
    const api = await chorus();
    await vscode.commands.executeCommand("chorus.setApiKey", "bad name!", "x");
    assert.equal(await api.context.secrets.get("bad name!"), undefined);
  });
});
