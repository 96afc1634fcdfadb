import * as assert from "node:assert/strict";
import { describe, it } from "mocha";
import * as vscode from "vscode";
import { SETTINGS } from "../../src/vscode/settings";
import { chorus, manifest, nextEvent } from "./helpers";

interface Property {
  description?: string;
  markdownDescription?: string;
}

describe("settings", () => {
  it("declares in contributes.configuration exactly the keys the code reads, each with a description", () => {
    const props = (manifest().contributes.configuration as { properties: Record<string, Property> }).properties;
    assert.deepEqual(Object.keys(props).sort(), [...new Set(Object.values(SETTINGS))].sort());
    const undescribed = Object.entries(props)
      .filter(([, p]) => !(p.description ?? p.markdownDescription))
      .map(([k]) => k);
    assert.deepEqual(undescribed, []);
  });

  it("rebuilds the engine's config when a chorus setting changes, and back", async () => {
    const api = await chorus();
    const config = vscode.workspace.getConfiguration();
    const changed = nextEvent(api.engineHost.onDidChange, (c) => c.budgetUsd === 12.5);
    await config.update(SETTINGS.budgetUsd, 12.5, vscode.ConfigurationTarget.Global);
    await changed;
    assert.equal(api.engine.config.budgetUsd, 12.5);
    const restored = nextEvent(api.engineHost.onDidChange, (c) => c.budgetUsd === 0);
    await config.update(SETTINGS.budgetUsd, undefined, vscode.ConfigurationTarget.Global);
    await restored;
  });

  it("keeps working with a malformed chorus.models entry and keeps the user's setting untouched", async () => {
    const api = await chorus();
    const config = vscode.workspace.getConfiguration();
    const original = config.inspect(SETTINGS.models)?.globalValue;
    const bad = [{ id: "broken", provider: "carrier-pigeon", model: "x" }];
    try {
      const changed = nextEvent(api.engineHost.onDidChange);
      await config.update(SETTINGS.models, bad, vscode.ConfigurationTarget.Global);
      await changed;
      assert.ok(!api.engine.config.models.some((m) => m.id === "broken"), "the bad entry is not used");
      assert.deepEqual(vscode.workspace.getConfiguration().inspect(SETTINGS.models)?.globalValue, bad, "nothing the user wrote is lost");
    } finally {
      const restored = nextEvent(api.engineHost.onDidChange, (c) => c.models.some((m) => m.id === "fake-local"));
      await config.update(SETTINGS.models, original, vscode.ConfigurationTarget.Global);
      await restored;
    }
  });

  it("with no models configured, offers the models of the Ollama at chorus.ollamaUrl", async () => {
    const api = await chorus();
    const url = process.env.CHORUS_TEST_OLLAMA_URL;
    assert.ok(url, "the runner passes the fake Ollama's URL");
    const config = vscode.workspace.getConfiguration();
    const original = config.inspect(SETTINGS.models)?.globalValue;
    try {
      const discovered = nextEvent(api.engineHost.onDidChange, () => api.engineHost.modelSource.kind === "ollama");
      await config.update(SETTINGS.models, [], vscode.ConfigurationTarget.Global);
      await discovered;
      const names = api.engine.config.models.map((m) => m.model).sort();
      assert.deepEqual(names, ["llama3.2:1b", "qwen2.5-coder:1.5b", "qwen3-coder:480b-cloud"]);
      assert.ok(api.engine.config.models.every((m) => m.provider === "ollama"));
      // The stand-in lists the cloud model with a remote_host, as Ollama ≥ 0.12 does: it is cloud, the others local.
      const local = api.engine.config.models
        .filter((m) => m.tags?.includes("local"))
        .map((m) => m.model)
        .sort();
      assert.deepEqual(local, ["llama3.2:1b", "qwen2.5-coder:1.5b"]);
      assert.ok(api.engine.config.models.find((m) => m.model === "qwen3-coder:480b-cloud")?.tags?.includes("cloud"));

      // Ollama gone: none of its models stay. With the sidecar serving the demo models (chorus.sidecar.demoModels,
      // on by default) the demo stands in; without it there are no models, and the source says where Chorus looked.
      const gone = nextEvent(api.engineHost.onDidChange, () => ["none", "demo"].includes(api.engineHost.modelSource.kind));
      await config.update(SETTINGS.ollamaUrl, "http://127.0.0.1:9", vscode.ConfigurationTarget.Global);
      await gone;
      assert.ok(
        api.engine.config.models.every((m) => m.provider !== "ollama"),
        "no Ollama model is left",
      );
      const source = api.engineHost.modelSource;
      if (source.kind === "demo") {
        assert.ok(api.engine.config.models.some((m) => m.id === "ts-expert" && m.provider === "sidecar" && m.label?.startsWith("demo")));
      } else {
        assert.equal(api.engine.config.models.length, 0);
        assert.ok(source.kind === "none" && source.ollamaUrl === "http://127.0.0.1:9" && source.ollamaChecked);
      }
    } finally {
      const restored = nextEvent(api.engineHost.onDidChange, (c) => c.models.some((m) => m.id === "fake-local"));
      await config.update(SETTINGS.ollamaUrl, url, vscode.ConfigurationTarget.Global);
      await config.update(SETTINGS.models, original, vscode.ConfigurationTarget.Global);
      await restored;
    }
  });
});
