// The `chorus` CLI as a user runs it: config file, real Ollama provider against the NDJSON stand-in, the ledger.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startFakeOllama } from "../../fixtures/fake-ollama";
import { runCli } from "../../fixtures/run-cli";

function workspace(config: unknown): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), "chorus-cli-"));
  writeFileSync(join(dir, "chorus.json"), JSON.stringify(config));
  // A private data dir, so the ledger and routing state are this test's own.
  return { dir, env: { XDG_DATA_HOME: join(dir, "data"), XDG_CONFIG_HOME: join(dir, "config") } };
}

void test("models --json checks each configured model against its provider", async () => {
  const ollama = await startFakeOllama({ models: ["coder:1b"] });
  try {
    const { dir, env } = workspace({
      ollamaUrl: ollama.url,
      models: [
        { id: "here", provider: "ollama", model: "coder:1b" },
        { id: "gone", provider: "ollama", model: "missing:7b" },
      ],
    });
    const r = await runCli(["models", "--json"], dir, env);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { models: { id: string; available: boolean; problem?: string }[] };
    assert.deepEqual(
      out.models.map((m) => [m.id, m.available]),
      [
        ["here", true],
        ["gone", false],
      ],
    );
    assert.match(out.models[1]?.problem ?? "", /missing:7b/);
  } finally {
    await ollama.close();
  }
});

void test("ask --mode route answers through a routed model and records the decision in the ledger", async () => {
  const ollama = await startFakeOllama({ models: ["small", "big"], reply: (req) => `answer from ${req.model}` });
  try {
    const { dir, env } = workspace({
      ollamaUrl: ollama.url,
      models: [
        { id: "cheap", provider: "ollama", model: "small", tags: ["local", "fast"] },
        { id: "strong", provider: "ollama", model: "big", tags: ["local", "strong"] },
      ],
    });
    const r = await runCli(["ask", "--mode", "route", "--json", "What does this do?"], dir, env);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { text: string; decision: { model: string; reason: string } };
    const answered = out.decision.model === "cheap" ? "small" : "big";
    assert.equal(out.text, `answer from ${answered}`);
    assert.ok(out.decision.reason.length > 0, "the decision is explained");
    const usage = await runCli(["usage", "--by", "mode", "--json"], dir, env);
    const rows = JSON.parse(usage.stdout) as { key: string; calls: number }[];
    assert.ok(
      rows.some((row) => row.key === "route" && row.calls >= 1),
      usage.stdout,
    );
  } finally {
    await ollama.close();
  }
});

void test("errors a user can act on: unknown mode, no models, bad config", async () => {
  const none = workspace({ ollamaUrl: "http://127.0.0.1:9", models: [] });
  const noModels = await runCli(["ask", "hello"], none.dir, none.env);
  assert.equal(noModels.code, 1);
  assert.match(noModels.stderr, /No model is configured/);
  assert.doesNotMatch(noModels.stderr, /\n\s+at /, "no stack trace");

  const ok = workspace({ models: [{ id: "a", provider: "ollama", model: "m" }] });
  const badMode = await runCli(["ask", "--mode", "telepathy", "hi"], ok.dir, ok.env);
  assert.equal(badMode.code, 1);
  assert.match(badMode.stderr, /Unknown mode "telepathy".*single/);

  const bad = workspace({ models: [{ id: "a", provider: "carrier-pigeon", model: "m" }] });
  const badConfig = await runCli(["models"], bad.dir, bad.env);
  assert.equal(badConfig.code, 1);
  assert.match(badConfig.stderr, /provider.*ollama, openai, sidecar/);
});

void test("file system mistakes are put in words, with the path: a folder as a file, a missing file, a missing ledger", async () => {
  const w = workspace({ models: [{ id: "a", provider: "ollama", model: "m" }] });
  const folder = await runCli(["ask", "--file", w.dir, "what is this?"], w.dir, w.env);
  assert.equal(folder.code, 1);
  assert.match(folder.stderr, /^chorus: --file .*chorus-cli-\w+ is a folder; give a file/);
  const missing = await runCli(["review", join(w.dir, "nope.py")], w.dir, w.env);
  assert.match(missing.stderr, /^chorus: the file .*nope\.py does not exist/);
  // usage only reads: a mistyped ledger folder is an error, not a new empty folder.
  const ledger = join(w.dir, "no-such-ledger");
  const usage = await runCli(["usage", "--ledger", ledger], w.dir, w.env);
  assert.equal(usage.code, 1);
  assert.match(usage.stderr, /--ledger .*no-such-ledger is not a folder/);
  assert.equal(existsSync(ledger), false);
  const mode = await runCli(["bench", "completion", "--mode", "bogus", "--requests", "1"], w.dir, w.env);
  assert.equal(mode.code, 1);
  assert.match(mode.stderr, /--mode bogus is not a completion mode; use one of .*route/);
});

void test("single mode keeps a protected file's question on a local model", async () => {
  const ollama = await startFakeOllama({ models: ["local-m"], reply: (req) => `local answer from ${req.model}` });
  try {
    const { dir, env } = workspace({
      ollamaUrl: ollama.url,
      models: [
        { id: "cloud", provider: "openai", endpoint: "http://127.0.0.1:9/v1", model: "gpt-x", tags: ["cloud", "strong"] },
        { id: "local", provider: "ollama", model: "local-m", tags: ["local"] },
      ],
    });
    writeFileSync(join(dir, ".env"), "SECRET=1\n");
    const r = await runCli(["ask", "--json", "--file", join(dir, ".env"), "what is set here?"], dir, env);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { text: string; decision: { model: string } };
    assert.equal(out.decision.model, "local");
    assert.equal(out.text, "local answer from local-m");
    assert.ok(
      ollama.requests.some((q) => q.prompt.includes("SECRET=1")),
      "the local model saw the file",
    );
  } finally {
    await ollama.close();
  }
});
