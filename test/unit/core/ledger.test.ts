import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { errorInWords, Ledger, summarize, type LedgerEntry } from "../../../src/core/ledger";

const entry = (model: string, costUsd: number, latencyMs: number, ok = true): Omit<LedgerEntry, "ts"> => ({
  surface: "ask",
  mode: "single",
  model,
  provider: "ollama",
  inputTokens: 10,
  outputTokens: 5,
  costUsd,
  latencyMs,
  ok,
});

void test("records entries as JSON lines and reads them back in order", () => {
  const dir = mkdtempSync(join(tmpdir(), "ledger-"));
  const l = new Ledger(dir);
  l.record(entry("a", 0.01, 100));
  l.record(entry("b", 0.02, 200));
  const back = l.read();
  assert.deepEqual(
    back.map((e) => e.model),
    ["a", "b"],
  );
  assert.ok(back.every((e) => typeof e.ts === "string" && !Number.isNaN(Date.parse(e.ts))));
});

void test("rotates by size and keeps a bounded number of files", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ledger-"));
  const l = new Ledger(dir, { maxBytes: 1000, keep: 2 });
  for (let i = 0; i < 200; i++) l.record(entry(`m${i}`, 0, i));
  // Records are written in batches; one batch of 200 is rotated as 200 single writes would have been.
  await l.flush();
  const files = readdirSync(dir).sort();
  assert.deepEqual(files, ["ledger.jsonl", "ledger.jsonl.1", "ledger.jsonl.2"]);
  const total = files.reduce((s, f) => s + statSync(join(dir, f)).size, 0);
  assert.ok(total < 4000, `ledger kept ${total} bytes; rotation must bound it`);
  const back = l.read();
  assert.equal(back.at(-1)?.model, "m199", "the newest entry survives rotation");
  assert.ok(back.length < 200, "the oldest entries were dropped");
  const idx = back.map((e) => Number(e.model.slice(1)));
  assert.deepEqual(
    idx,
    [...idx].sort((a, b) => a - b),
    "entries stay oldest-first across files",
  );
});

void test("notifies listeners and sums spend since a date", () => {
  const dir = mkdtempSync(join(tmpdir(), "ledger-"));
  const l = new Ledger(dir);
  const seen: string[] = [];
  const sub = l.onRecord((e) => seen.push(e.model));
  l.record({ ...entry("old", 5, 1), ts: "2020-01-01T00:00:00.000Z" });
  l.record(entry("new1", 0.25, 1));
  sub.dispose();
  l.record(entry("new2", 0.5, 1));
  assert.deepEqual(seen, ["old", "new1"]);
  assert.equal(l.spentSince(new Date("2024-01-01")), 0.75);
});

/** The lines in the ledger's files, oldest first, read straight from disk. */
function onDisk(dir: string): string[] {
  const age = (f: string): number => Number(f.split(".")[2] ?? 0);
  return readdirSync(dir)
    .sort((a, b) => age(b) - age(a))
    .flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean));
}

void test("records are queued, not written by record(); read() sees them at once, and a flush puts them on disk", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ledger-"));
  const l = new Ledger(dir);
  l.record(entry("a", 0, 1));
  assert.deepEqual(onDisk(dir), [], "record() leaves the disk alone");
  assert.deepEqual(
    l.read().map((e) => e.model),
    ["a"],
  );
  await l.flush();
  assert.deepEqual(
    onDisk(dir).map((x) => (JSON.parse(x) as LedgerEntry).model),
    ["a"],
  );
  assert.deepEqual(
    l.read().map((e) => e.model),
    ["a"],
    "read() does not count a written record twice",
  );
});

void test("records written right before dispose are all on disk, whole lines, in order", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ledger-"));
  const l = new Ledger(dir, { maxBytes: 4000, keep: 50 });
  const first = l.flush();
  for (let i = 0; i < 500; i++) {
    l.record(entry(`m${i}`, 0, i));
    // Some records land while a batch is being written.
    if (i === 250) await new Promise((r) => setImmediate(r));
  }
  await first;
  await l.dispose();
  const lines = onDisk(dir);
  assert.deepEqual(
    lines.map((x) => (JSON.parse(x) as LedgerEntry).model),
    Array.from({ length: 500 }, (_, i) => `m${i}`),
  );
  assert.ok(readdirSync(dir).length > 1, "the batch was rotated");
});

void test("a batch the disk refuses is reported, kept, and written once when the disk takes it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ledger-"));
  const errors: unknown[] = [];
  const l = new Ledger(dir, { onError: (e) => errors.push(e) });
  mkdirSync(join(dir, "ledger.jsonl")); // appending to a folder fails
  l.record(entry("a", 0, 1));
  l.record(entry("b", 0, 2));
  await l.flush();
  assert.equal(errors.length, 1);
  rmdirSync(join(dir, "ledger.jsonl"));
  assert.deepEqual(
    l.read().map((e) => e.model),
    ["a", "b"],
    "the refused records are still readable",
  );
  l.record(entry("c", 0, 3));
  await l.flush();
  assert.deepEqual(
    onDisk(dir).map((x) => (JSON.parse(x) as LedgerEntry).model),
    ["a", "b", "c"],
  );
  assert.equal(errors.length, 1);
});

void test("records made just before process.exit() are on disk", () => {
  const dir = mkdtempSync(join(tmpdir(), "ledger-"));
  const script = `
    const { Ledger } = require(${JSON.stringify(join(import.meta.dirname, "../../../src/core/ledger.ts"))});
    const l = new Ledger(${JSON.stringify(dir)});
    for (let i = 0; i < 100; i++) l.record({ surface: "cli", mode: "m", model: "m" + i, provider: "p", inputTokens: 0, outputTokens: 0, costUsd: 0, latencyMs: 0, ok: true });
    void l.flush(); // a write under way at exit must be neither lost nor doubled
    setImmediate(() => {
      l.record({ surface: "cli", mode: "m", model: "last", provider: "p", inputTokens: 0, outputTokens: 0, costUsd: 0, latencyMs: 0, ok: true });
      process.exit(0);
    });
  `;
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const models = onDisk(dir).map((x) => (JSON.parse(x) as LedgerEntry).model);
  assert.deepEqual(models, [...Array.from({ length: 100 }, (_, i) => `m${i}`), "last"]);
  assert.ok(!readFileSync(join(dir, "ledger.jsonl"), "utf8").includes("\n\n"), "no blank lines: whole lines only");
});

void test("summarize groups cost, errors and latency by key", () => {
  const mk = (model: string, cost: number, lat: number, ok = true) => ({ ...entry(model, cost, lat, ok), ts: "" });
  const cancelled = { ...mk("a", 0, 1, false), error: "cancelled" };
  const rows = summarize([mk("a", 1, 10), mk("a", 2, 30, false), mk("a", 0, 20), mk("b", 0.5, 5), cancelled], (e) => e.model);
  assert.equal(rows[0]?.key, "a");
  assert.equal(rows[0]?.calls, 4);
  assert.equal(rows[0]?.errors, 1, "a call cancelled because the user typed on is not a failure");
  assert.equal(rows[0]?.costUsd, 3);
  assert.equal(rows[0]?.latencyP50Ms, 10);
  assert.equal(rows[1]?.key, "b");
});

void test("errors read as words in tooltips, unknown ones as they are", () => {
  assert.equal(errorInWords("context_too_long"), "the prompt was too long for the model");
  assert.equal(errorInWords("privacy"), "privacy rules allow only local models here");
  assert.equal(errorInWords("teapot"), "teapot");
  assert.equal(errorInWords(undefined), "an error");
});
