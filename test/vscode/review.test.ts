// The review commands in the extension host, against the stand-in Ollama of the test run (whose replies are
// plain text, not the JSON a reviewer should send: every step is asked once more, then kept as prose).
import * as assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "mocha";
import * as vscode from "vscode";
import { SETTINGS } from "../../src/vscode/settings";
import { chorus, until } from "./helpers";

async function withReviewSettings(participants: string[], rounds: number, body: () => Promise<void>): Promise<void> {
  const config = vscode.workspace.getConfiguration();
  try {
    await config.update(SETTINGS.reviewParticipants, participants, vscode.ConfigurationTarget.Global);
    await config.update(SETTINGS.reviewRounds, rounds, vscode.ConfigurationTarget.Global);
    await body();
  } finally {
    await config.update(SETTINGS.reviewParticipants, undefined, vscode.ConfigurationTarget.Global);
    await config.update(SETTINGS.reviewRounds, undefined, vscode.ConfigurationTarget.Global);
  }
}

async function openHello(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, "the test workspace is open");
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, "hello.ts")));
}

describe("review", () => {
  it("Refine with Feedback runs, opens the panel and records every call of the run in the ledger", async function () {
    this.timeout(60_000);
    const api = await chorus();
    const model = api.engine.config.models[0]?.id;
    assert.ok(model, "a model is configured for the test run");
    await openHello();
    const before = api.ledger.read().length;
    await withReviewSettings([model], 1, async () => {
      await vscode.commands.executeCommand("chorus.review.refine");
    });
    const entries = api.ledger
      .read()
      .slice(before)
      .filter((e) => e.surface === "review");
    // Draft, critique, revision, verdict — each asked once more because the reply was not JSON.
    assert.equal(entries.length, 8, JSON.stringify(entries.map((e) => [e.decision, e.reason, e.error])));
    assert.equal(new Set(entries.map((e) => e.runId)).size, 1, "one run id groups the run's calls");
    assert.ok(entries.every((e) => e.mode === "refine" && e.ok && e.model === model && e.costUsd === 0));
    assert.equal(entries.filter((e) => e.reason?.startsWith("asked again")).length, 4);
    assert.ok(entries.some((e) => e.decision === "verdict"));
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label));
    assert.ok(tabs.includes("Chorus Review: hello.ts"), `tabs: ${tabs.join(", ")}`);
  });

  it("a debate with one model is refused before any model is called", async () => {
    const api = await chorus();
    const model = api.engine.config.models[0]!.id;
    await openHello();
    const editor = vscode.window.activeTextEditor!;
    editor.selection = new vscode.Selection(1, 0, 3, 1);
    const before = api.ledger.read().length;
    await withReviewSettings([model], 2, async () => {
      await vscode.commands.executeCommand("chorus.review.selection");
    });
    assert.equal(api.ledger.read().length, before);
  });

  it("offers the three review modes for the review surface", async () => {
    const api = await chorus();
    assert.deepEqual(
      api.modes
        .forSurface("review")
        .map((m) => m.id)
        .sort(),
      ["debate", "mixture", "refine"],
    );
  });
  it("reopens the panel of a run a window reload interrupted when VS Code does not restore it", async function () {
    this.timeout(30_000);
    const api = await chorus();
    const closeReviewTabs = async () => {
      const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs.filter((t) => t.label.startsWith("Chorus Review")));
      if (tabs.length) await vscode.window.tabGroups.close(tabs);
    };
    await closeReviewTabs();
    const folder = vscode.workspace.workspaceFolders![0]!;
    const file = path.join((api.context.storageUri ?? api.context.globalStorageUri).fsPath, "review-panel.json");
    const finding = {
      id: "F1",
      file: "hello.ts",
      lines: { start: 1, end: 1 },
      severity: "warning",
      category: "bug",
      title: "Off by one",
      rationale: "r",
      raisedBy: ["alpha"],
      supportedBy: [],
      disputedBy: [],
      notes: [],
      round: 1,
    };
    // What the host's snapshot holds after a reload in the middle of a run: a run with findings and no end.
    const source = { uri: vscode.Uri.joinPath(folder.uri, "hello.ts").toString(), label: "hello.ts" };
    const interrupted = { version: 1, runId: "run-reopen", source, participants: ["alpha"], rounds: [], findings: [finding], applied: [] };
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(interrupted));
    try {
      assert.equal(await vscode.commands.executeCommand("chorus.review.reopenInterrupted"), true);
      const labels = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label));
      await until(`a Chorus Review tab (tabs: ${labels().join(", ")})`, () => labels().includes("Chorus Review"));
      // The run is marked as ended, so the next start does not reopen it again, and its finding is kept.
      const saved = JSON.parse(readFileSync(file, "utf8")) as { done?: { status: string; reason?: string }; findings: { id: string }[] };
      assert.equal(saved.done?.status, "cancelled");
      assert.match(saved.done?.reason ?? "", /interrupted by a window reload/);
      assert.deepEqual(
        saved.findings.map((f) => f.id),
        ["F1"],
      );
      await closeReviewTabs();
      assert.equal(await vscode.commands.executeCommand("chorus.review.reopenInterrupted"), false);
    } finally {
      await closeReviewTabs();
    }
  });
});
