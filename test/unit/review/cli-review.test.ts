// `chorus review` as a user runs it: the real CLI in a child process, real Ollama provider, against the
// stand-in Ollama server speaking its NDJSON wire format.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { ReviewResult } from "../../../src/core/collab/text/events";
import type { LedgerEntry } from "../../../src/core/ledger";
import { startFakeOllama, type RecordedRequest } from "../../fixtures/fake-ollama";
import { runCli } from "../../fixtures/run-cli";

const cli = runCli;

function reply(r: RecordedRequest): string {
  if (r.prompt.includes("Synthesise one review"))
    return JSON.stringify({ summary: "Guard it.", decisions: [{ finding: "F1", decision: "accept", reason: "both saw it" }] });
  return (
    "```json\n" +
    JSON.stringify({
      findings: [
        {
          lines: [2, 2],
          severity: "error",
          category: "bug",
          title: "Division by zero",
          rationale: `${r.model} says b may be 0`,
          patch: "  return b ? a / b : 0;",
        },
      ],
      summary: "one bug",
    }) +
    "\n```"
  );
}

void test("chorus review --mode mixture --json: findings with stances, the aggregator's verdict, and the ledger entries", async () => {
  const ollama = await startFakeOllama({ models: ["m1", "m2"], reply });
  try {
    const dir = mkdtempSync(join(tmpdir(), "chorus-cli-review-"));
    writeFileSync(join(dir, "div.js"), "function div(a, b) {\n  return a / b;\n}\n");
    writeFileSync(
      join(dir, "chorus.json"),
      JSON.stringify({
        models: [
          { id: "one", provider: "ollama", model: "m1", tags: ["local"] },
          { id: "two", provider: "ollama", model: "m2", tags: ["strong"] },
        ],
        ollamaUrl: ollama.url,
        review: { participants: ["one", "two"], judge: "two" },
      }),
    );
    const env = { XDG_DATA_HOME: join(dir, "data"), XDG_CONFIG_HOME: join(dir, "config") };
    const r = await cli(["review", "div.js", "--mode", "mixture", "--rounds", "1", "--json"], dir, env);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as ReviewResult;
    assert.equal(result.mode, "mixture");
    assert.equal(result.findings.length, 1);
    assert.deepEqual([result.findings[0]!.raisedBy, result.findings[0]!.supportedBy], [["one"], ["two"]]);
    assert.equal(result.verdict?.by, "two");
    assert.equal(result.verdict?.summary, "Guard it.");
    assert.match(r.stderr, /— Proposals: one, two/);
    assert.match(r.stderr, /— Aggregation: two/);
    assert.equal(ollama.requests.filter((x) => x.path === "/api/chat").length, 3);
    const ledger = readFileSync(join(dir, "data", "chorus", "ledger", "ledger.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as LedgerEntry);
    const calls = ledger.filter((e) => e.runId === result.runId);
    assert.equal(calls.length, 3, "every call of the run is in the ledger under its run id");
    assert.ok(calls.every((e) => e.surface === "review" && e.mode === "mixture" && e.ok));
    // The cheap model ("one", local) raised the finding the run kept: the router learns the cheap tier was enough.
    assert.match(r.stderr, /the router learned from this review: the cheap tier was enough \(kept, raised by the cheap tier only: F1\)/);
    const router = JSON.parse(readFileSync(join(dir, "data", "chorus", "routing", "router.json"), "utf8")) as { seen: number };
    assert.equal(router.seen, 1);

    // Human output, and a bad flag named with what to do.
    const human = await cli(["review", "div.js", "--mode", "debate", "--rounds", "1"], dir, env);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /F1 \[error\/bug\] lines 2-2: Division by zero/);
    assert.match(human.stdout, /raised by one; 2 for, 0 against/);
    const bad = await cli(["review", "div.js", "--rounds", "0"], dir, env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Rounds must be a whole number from 1 to 10, not 0/);
    const missing = await cli(["review", "nope.js"], dir, env);
    assert.match(missing.stderr, /the file nope\.js does not exist/);
  } finally {
    await ollama.close();
  }
});
