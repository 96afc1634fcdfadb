// `chorus usage`: cost and latency of past model calls from the ledger, by model, mode or surface.
import type { Command } from "commander";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { Ledger, summarize, type LedgerEntry } from "../../core/ledger";
import { cliDataDir } from "../config-file";

const KEYS: Record<string, (e: LedgerEntry) => string> = {
  model: (e) => e.model,
  mode: (e) => e.mode,
  surface: (e) => e.surface,
};

export function register(program: Command): void {
  program
    .command("usage")
    .description("Show cost and latency of past model calls (from the CLI's ledger).")
    .option("--by <key>", "group by model, mode or surface", "model")
    .option("--ledger <dir>", "ledger folder (default: the CLI's data dir)")
    .option("--json", "print JSON")
    .action((opts: { by: string; ledger?: string; json?: boolean }) => {
      const by = KEYS[opts.by];
      if (!by) throw new Error(`--by must be one of ${Object.keys(KEYS).join(", ")}, not "${opts.by}".`);
      // A folder named on the command line is only read: a mistyped one is an error, not a new empty ledger.
      if (opts.ledger !== undefined && !(existsSync(opts.ledger) && statSync(opts.ledger).isDirectory()))
        throw new Error(`--ledger ${opts.ledger} is not a folder; give the folder that holds ledger.jsonl (by default the CLI's data dir)`);
      const rows = summarize(new Ledger(opts.ledger ?? join(cliDataDir(), "ledger")).read(), by);
      if (opts.json) return console.log(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return console.log("No model calls recorded yet.");
      console.log(`${opts.by.padEnd(24)} calls  errors      cost   p50 ms`);
      for (const r of rows)
        console.log(
          `${r.key.padEnd(24)} ${String(r.calls).padStart(5)} ${String(r.errors).padStart(7)} ${`$${r.costUsd.toFixed(4)}`.padStart(9)} ${r.latencyP50Ms.toFixed(0).padStart(8)}`,
        );
    });
}
