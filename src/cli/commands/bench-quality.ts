// `chorus bench quality`: bits per byte on held-out code of every single model, mix and merge (bench/quality.ts).
import { existsSync } from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { benchQuality, type QualityReport } from "../../bench/quality";
import { interruptSignal } from "../engine";
import { wholeNumber } from "../options";

/** The held-out folder: the trained models' (test/fixtures/heldout-code) when present, else the bigram corpora's. */
function defaultHeldOut(): string {
  const trained = path.resolve("test/fixtures/heldout-code");
  return existsSync(trained) ? trained : path.resolve("test/fixtures/corpora");
}

const cell = (v: number | null | undefined, digits = 3) => (v === null || v === undefined ? "∞/—" : v.toFixed(digits)).padStart(8);

function table(r: QualityReport): string {
  const head = `${"row".padEnd(44)} ${"ts".padStart(8)} ${"py".padStart(8)} ${"mixed".padStart(8)} ${"next-line".padStart(9)}`;
  const lines = r.rows.map(
    (row) =>
      `${row.name.padEnd(44)} ${cell(row.bits_per_byte.typescript)} ${cell(row.bits_per_byte.python)} ${cell(row.bits_per_byte.mixed)} ${cell(row.next_line_exact.mixed, 2)}`,
  );
  const skipped = r.skipped.map((s) => `skipped ${s.row}: ${s.reason}`);
  return [`bits per byte (${r.scoring.distribution})`, head, ...lines, ...skipped, `targets: ${JSON.stringify(r.targets, null, 2)}`].join("\n");
}

/** --only's row filter: a row runs when its name contains one of the comma-separated parts. */
function onlyRows(raw: string | undefined): ((name: string) => boolean) | undefined {
  if (raw === undefined) return undefined;
  const parts = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new Error(`--only needs parts of row names, e.g. --only "product,merge linear"`);
  return (name) => parts.some((p) => name.includes(p));
}

export function registerBench(bench: Command): void {
  bench
    .command("quality")
    .description(
      "Bits per byte on held-out code of each model, mixing strategy and merge of the language experts (exact distribution), with the best single model as reference.",
    )
    .option("--models <dir>", "folder with general.gguf, ts-expert.gguf, py-expert.gguf, weak.gguf, weak-ts.gguf", "models/demo")
    .option("--heldout <dir>", "folder with typescript/ and python/ held-out .txt files (default: test/fixtures/heldout-code, else test/fixtures/corpora)")
    .option("--max-kb <n>", "KiB scored per language at most", "16")
    .option("--sample-kb <n>", "KiB of the --optimize sample (TypeScript text not scored)", "8")
    .option("--window <n>", "tokens per scoring window (capped at the models' context)", "256")
    .option("--next-lines <n>", "lines per language for next-line exact match (0: none)", "8")
    .option("--merge-dtype <type>", "type of the merged models", "f32")
    .option("--evaluations <n>", "merges --optimize may evaluate", "7")
    .option("--only <names>", "comma-separated parts of row names: run only those rows")
    .option("--json", "print JSON")
    .action(
      async (o: {
        models: string;
        heldout?: string;
        maxKb: string;
        sampleKb: string;
        window: string;
        nextLines: string;
        mergeDtype: string;
        evaluations: string;
        only?: string;
        json?: boolean;
      }) => {
        const result = await benchQuality({
          modelsDir: path.resolve(o.models),
          heldoutDir: o.heldout ? path.resolve(o.heldout) : defaultHeldOut(),
          maxBytes: wholeNumber("--max-kb", o.maxKb, 1 << 20) * 1024,
          sampleBytes: wholeNumber("--sample-kb", o.sampleKb, 1 << 20) * 1024,
          window: wholeNumber("--window", o.window, 1 << 16, 16),
          nextLines: wholeNumber("--next-lines", o.nextLines, 10_000, 0),
          mergeDtype: o.mergeDtype,
          evaluations: wholeNumber("--evaluations", o.evaluations, 100, 2),
          only: onlyRows(o.only),
          log: (s) => console.error(s),
          signal: interruptSignal(),
        });
        console.log(o.json ? JSON.stringify(result, null, 2) : table(result));
      },
    );
}
