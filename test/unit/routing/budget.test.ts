import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { BudgetGuard } from "../../../src/core/collab/api/budget";
import { Ledger, type LedgerEntry } from "../../../src/core/ledger";

const NOW = new Date(2026, 10, 15, 12);
const line = (ts: string, costUsd: number): string =>
  JSON.stringify({
    ts,
    surface: "ask",
    mode: "single",
    model: "big",
    provider: "openai",
    inputTokens: 1,
    outputTokens: 1,
    costUsd,
    latencyMs: 1,
    ok: true,
  } satisfies LedgerEntry) + "\n";
const spend = (ts: string, costUsd: number): LedgerEntry => JSON.parse(line(ts, costUsd)) as LedgerEntry;

/** A ledger whose files already hold last month's and this month's spend. */
function ledgerOnDisk(): Ledger {
  const dir = mkdtempSync(join(tmpdir(), "budget-"));
  writeFileSync(join(dir, "ledger.jsonl.1"), line(new Date(2026, 9, 30).toISOString(), 5));
  writeFileSync(join(dir, "ledger.jsonl"), line(new Date(2026, 10, 2).toISOString(), 1) + line(new Date(2026, 10, 3).toISOString(), 0.25));
  return new Ledger(dir);
}

void test("the month's spend is read in the background; records made meanwhile count once; requests never read the ledger", async () => {
  const ledger = ledgerOnDisk();
  const guard = new BudgetGuard(
    ledger,
    () => 10,
    () => NOW,
  );
  // Recorded while the background read runs: one before a flush puts it on disk, one after.
  ledger.record(spend(new Date(2026, 10, 14).toISOString(), 0.5));
  await ledger.flush();
  ledger.record(spend(new Date(2026, 10, 14).toISOString(), 0.125));
  await guard.loaded;
  ledger.spentSince = () => assert.fail("a request must not read the ledger once the background read has ended");
  assert.equal(guard.spentThisMonth(), 1.875);
  ledger.record(spend(new Date(2026, 10, 15).toISOString(), 2));
  assert.equal(guard.remaining(), 10 - 3.875);
});

void test("a request before the background read ends reads the ledger itself and gets the same answer", async () => {
  const ledger = ledgerOnDisk();
  const guard = new BudgetGuard(
    ledger,
    () => 10,
    () => NOW,
  );
  assert.equal(guard.spentThisMonth(), 1.25);
  await guard.loaded;
  ledger.record(spend(new Date(2026, 10, 14).toISOString(), 0.5));
  assert.equal(guard.spentThisMonth(), 1.75, "the background read did not overwrite or double what the request found");
});
