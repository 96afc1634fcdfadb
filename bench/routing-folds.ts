// The router's held-out-subject protocol in one process: the same partitions as bench/split-by-domain.ts
// (alphabetical 3 and 5 folds, and 3 folds after shuffling the subjects with each seed), each trained and scored
// with runRoutingBench, printing one JSON line per fold and a summary. One run replaces 32 CLI calls, and a
// change to the router is judged on every partition rather than on the one that happens to suit it.
// `--folds-set sibling` runs the sibling folds instead (held-out subjects keep a sibling in training; see
// held-out-folds.ts), which resemble the real held-out test more closely.
//   node --import tsx bench/routing-folds.ts /work/shared/data/routellm/mmlu.jsonl [--folds-set standard|sibling] [--out FILE.json]
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { foldSet, heldOutDomains } from "./held-out-folds";
import { runRoutingBench } from "../src/bench/routing";
import { readRoutingFile } from "../src/bench/routing-data";

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: "string" }, "folds-set": { type: "string", default: "standard" } },
  });
  const input = positionals[0];
  const setName = values["folds-set"];
  if (!input || (setName !== "standard" && setName !== "sibling"))
    throw new Error("usage: routing-folds.ts IN.jsonl [--folds-set standard|sibling] [--out FILE.json]");
  const rows = readRoutingFile(input);
  const results = foldSet(setName).map((spec) => {
    const held = heldOutDomains(
      rows.map((x) => x.domain),
      spec,
    );
    const r = runRoutingBench(
      rows.filter((x) => !held.has(x.domain)),
      rows.filter((x) => held.has(x.domain)),
      { strategy: "router" },
    );
    const line = { ...spec, apgr: r.apgr, n: r.n };
    console.log(JSON.stringify(line));
    return line;
  });
  const apgrs = results.map((r) => r.apgr);
  const summary = {
    set: setName,
    folds: apgrs.length,
    mean: Number((apgrs.reduce((s, x) => s + x, 0) / apgrs.length).toFixed(4)),
    lowest: Math.min(...apgrs),
    below_060: apgrs.filter((x) => x < 0.6).length,
  };
  console.log(JSON.stringify(summary));
  if (values.out) writeFileSync(values.out, JSON.stringify({ summary, results }, null, 2) + "\n");
}

main();
