import * as assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "mocha";
import * as vscode from "vscode";
import type { LedgerEntry } from "../../src/core/ledger";
import { chorus, nextEvent } from "./helpers";

/** The ledger's listener API as a vscode.Event (bound: onRecord is a method). */
const ledgerEvents =
  (api: Awaited<ReturnType<typeof chorus>>): vscode.Event<LedgerEntry> =>
  (listener) =>
    api.ledger.onRecord((e) => listener(e));

describe("engine in the extension host", () => {
  it("answers a completion through the configured Ollama model and records it in global storage", async () => {
    const api = await chorus();
    const recorded = nextEvent(ledgerEvents(api), (e) => e.surface === "completion");
    const out = await api.engine.complete(
      { prefix: "function add(a, b) {\n  return ", suffix: "\n}\n", languageId: "typescript", filePath: "hello.ts", atLineEnd: true, multiline: false },
      new AbortController().signal,
    );
    // The fake Ollama answers "fake reply from <model>" (the runner's replyPrefix), single-line so nothing is cut.
    assert.equal(out.text, "fake reply from qwen2.5-coder:1.5b");
    assert.equal(out.decision.model, "fake-local");
    const entry = await recorded;
    assert.equal(entry.model, "fake-local");
    assert.equal(entry.ok, true);
    assert.ok(entry.reason && entry.reason.length > 0, "the decision has a reason for the status bar tooltip");

    // Records are appended in batches: flush the pending one before reading the file.
    await api.ledger.flush();
    const file = join(api.context.globalStorageUri.fsPath, "ledger", "ledger.jsonl");
    assert.ok(existsSync(file), `ledger at ${file}`);
    const last = readFileSync(file, "utf8").trim().split("\n").pop();
    assert.equal((JSON.parse(last ?? "{}") as LedgerEntry).model, "fake-local");
    assert.ok(!readFileSync(file, "utf8").includes("function add"), "the ledger never holds code");
  });

  it("turns an unreachable model into a classified error, recorded as failed", async () => {
    const api = await chorus();
    const config = vscode.workspace.getConfiguration();
    const original = config.inspect("chorus.models")?.globalValue;
    try {
      const changed = nextEvent(api.engineHost.onDidChange, (c) => c.models[0]?.id === "dead");
      await config.update(
        "chorus.models",
        [{ id: "dead", provider: "ollama", endpoint: "http://127.0.0.1:9", model: "m", tags: ["local"] }],
        vscode.ConfigurationTarget.Global,
      );
      await changed;
      const recorded = nextEvent(ledgerEvents(api), (e) => e.model === "dead");
      await assert.rejects(
        api.engine.complete(
          { prefix: "x", suffix: "", languageId: "typescript", filePath: "hello.ts", atLineEnd: true, multiline: false },
          new AbortController().signal,
        ),
        (e: Error) => /127\.0\.0\.1:9/.test(e.message),
      );
      const entry = await recorded;
      assert.equal(entry.ok, false);
      assert.equal(entry.error, "unreachable");
    } finally {
      const restored = nextEvent(api.engineHost.onDidChange, (c) => c.models.some((m) => m.id === "fake-local"));
      await config.update("chorus.models", original, vscode.ConfigurationTarget.Global);
      await restored;
    }
  });
});
