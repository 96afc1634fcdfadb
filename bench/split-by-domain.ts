// Split a RouteLLM-format file by subject (the "domain" field) for a held-out-subject evaluation: every k-th
// subject in sorted order goes to the test file, the rest to the training file, so no subject is in both.
// With --seed the subjects are shuffled first (mulberry32), giving other partitions than the alphabetical one:
// a router setting should hold up across many subject partitions, not just one.
//   node --import tsx bench/split-by-domain.ts IN.jsonl --folds 3 --fold 0 [--seed S] --train OUT_TRAIN --test OUT_TEST
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { heldOutDomains } from "./held-out-folds";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    folds: { type: "string", default: "3" },
    fold: { type: "string", default: "0" },
    seed: { type: "string" },
    train: { type: "string" },
    test: { type: "string" },
  },
});
const input = positionals[0];
const folds = Number(values.folds);
const fold = Number(values.fold);
const seed = values.seed === undefined ? undefined : Number(values.seed);
if (!input || !values.train || !values.test || !(folds >= 2) || !(fold >= 0 && fold < folds) || (seed !== undefined && !Number.isInteger(seed)))
  throw new Error("usage: split-by-domain.ts IN.jsonl --folds K --fold I (0 ≤ I < K) [--seed N] --train OUT --test OUT");
const lines = readFileSync(input, "utf8")
  .split("\n")
  .filter((l) => l.trim());
const domainOf = (l: string): string => String((JSON.parse(l) as { domain?: unknown }).domain ?? "unknown");
const testDomains = heldOutDomains(lines.map(domainOf), { folds, fold, seed });
const domains = new Set(lines.map(domainOf));
writeFileSync(values.train, lines.filter((l) => !testDomains.has(domainOf(l))).join("\n") + "\n");
writeFileSync(values.test, lines.filter((l) => testDomains.has(domainOf(l))).join("\n") + "\n");
console.error(`${testDomains.size} of ${domains.size} subjects held out: ${[...testDomains].join(", ")}`);
