import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Ledger, summarize, type LedgerEntry } from "../../../src/core/ledger";

const entry = (model: string, costUsd: number, latencyMs: number, ok = true): Omit<LedgerEntry, "ts"> => ({
  surface: "ask", mode: "single", model, provider: "ollama", inputTokens: 10, outputTokens: 5, costUsd, latencyMs, ok,
});

void test("records entries as JSON lines and reads them back in order", () => {
  const dir = mkdtempSync(join(tmpdir(), "ledger-"));
  const l = new Ledger(dir);
  l.record(entry("a", 0.01, 100));
  l.record(entry("b", 0.02, 200));
  const back = l.read();
  assert.deepEqual(back.map((e) => e.model), ["a", "b"]);
  assert.ok(back.every((e) => typeof e.ts === "string" && !Number.isNaN(Date.parse(e.ts))));
});

void test("rotates by size and keeps a bounded number of files", () => {
  const dir = mkdtempSync(join(tmpdir(), "ledger-"));
  const l = new Ledger(dir, { maxBytes: 1000, keep: 2 });
  for (let i = 0; i < 200; i++) l.record(entry(`m${i}`, 0, i));
  const files = readdirSync(dir).sort();
  assert.deepEqual(files, ["ledger.jsonl", "ledger.jsonl.1", "ledger.jsonl.2"]);
  const total = files.reduce((s, f) => s + statSync(join(dir, f)).size, 0);
  assert.ok(total < 4000, `ledger kept ${total} bytes; rotation must bound it`);
  const back = l.read();
  assert.equal(back.at(-1)?.model, "m199", "the newest entry survives rotation");
  assert.ok(back.length < 200, "the oldest entries were dropped");
  const idx = back.map((e) => Number(e.model.slice(1)));
  assert.deepEqual(idx, [...idx].sort((a, b) => a - b), "entries stay oldest-first across files");
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

void test("summarize groups cost, errors and latency by key", () => {
  const mk = (model: string, cost: number, lat: number, ok = true) => ({ ...entry(model, cost, lat, ok), ts: "" });
  const rows = summarize([mk("a", 1, 10), mk("a", 2, 30, false), mk("a", 0, 20), mk("b", 0.5, 5)], (e) => e.model);
  assert.equal(rows[0]?.key, "a");
  assert.equal(rows[0]?.calls, 3);
  assert.equal(rows[0]?.errors, 1);
  assert.equal(rows[0]?.costUsd, 3);
  assert.equal(rows[0]?.latencyP50Ms, 20);
  assert.equal(rows[1]?.key, "b");
});
