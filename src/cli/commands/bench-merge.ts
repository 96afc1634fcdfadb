// `chorus bench merge`: merge speed against raw read+write speed, and peak memory, on generated F16 or Q4_K_M models.
import type { Command } from "commander";
import { wholeNumber } from "../options";
import { benchMerge } from "../../bench/merge";

export function registerBench(bench: Command): void {
  bench
    .command("merge")
    .description("Generate two F16 (or Q4_K_M) models in a temp folder, merge them, compare with raw read+write of the same files, delete them.")
    .option(
      "--size-mb <n>",
      "size of each generated model in MB (TinyLlama widths, so at least one layer: about 360 MB; at least 1024 for the reported figures)",
      "1100",
    )
    .option("--method <m>", "merge method (linear or task_arithmetic stream in row chunks)", "linear")
    .option("--dir <dir>", "where to generate the models (default: the OS temp folder)")
    .option("--repeats <n>", "runs of each of raw and merge; the fastest counts", "2")
    .option("--dtype <t>", "the models' and the merge's type: f16, or q4_k_m (also measures the k-quant encoders)", "f16")
    .option("--encode-threads <list>", "comma-separated encoding thread counts to compare on the large pair, each merged once per repeat (e.g. 0,2)")
    .option("--large-only", "merge only the large pair (skip the memory comparison with a quarter-size pair)")
    .option("--json", "print JSON")
    .action(
      async (o: {
        sizeMb: string;
        method: string;
        dir?: string;
        repeats: string;
        dtype: string;
        encodeThreads?: string;
        largeOnly?: boolean;
        json?: boolean;
      }) => {
        if (o.dtype !== "f16" && o.dtype !== "q4_k_m") throw new Error(`--dtype must be f16 or q4_k_m, not "${o.dtype}"`);
        const sizeMb = Number(o.sizeMb);
        if (!(sizeMb >= 1)) throw new Error(`--size-mb must be a positive number of megabytes, not "${o.sizeMb}"`);
        const repeats = wholeNumber("--repeats", o.repeats);
        const encodeThreads = o.encodeThreads?.split(",").map((t) => wholeNumber("--encode-threads", t.trim(), 64, 0));
        const result = await benchMerge({
          modelMb: sizeMb,
          method: o.method,
          dir: o.dir,
          repeats,
          dtype: o.dtype,
          encodeThreads,
          largeOnly: o.largeOnly,
          log: (s) => console.error(s),
        });
        if (o.json) console.log(JSON.stringify(result, null, 2));
        else for (const [k, v] of Object.entries(result)) console.log(`${k.padEnd(22)} ${typeof v === "object" ? JSON.stringify(v) : String(v)}`);
      },
    );
}
