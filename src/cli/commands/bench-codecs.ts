// `chorus bench codecs`: throughput of the GGUF tensor codecs (decode every readable type, encode every writable one).
import type { Command } from "commander";
import { wholeNumber } from "../options";
import { benchCodecs } from "../../bench/codecs";

export function registerBench(bench: Command): void {
  bench
    .command("codecs")
    .description("Decode/encode throughput of the GGUF tensor codecs (F32, F16, BF16, Q8_0, Q4_0 … Q6_K), one thread.")
    .option("--values <n>", "values per run", String(1 << 22))
    .option("--repeats <n>", "runs per codec; the fastest counts", "3")
    .option("--json", "print JSON")
    .action((o: { values: string; repeats: string; json?: boolean }) => {
      const values = Number(o.values);
      if (!(Number.isInteger(values) && values >= 256 && values % 256 === 0)) throw new Error(`--values must be a positive multiple of 256, not "${o.values}"`);
      const repeats = wholeNumber("--repeats", o.repeats);
      const result = benchCodecs({ values, repeats });
      if (o.json) console.log(JSON.stringify(result, null, 2));
      else for (const [k, v] of Object.entries(result)) console.log(`${k.padEnd(6)} ${JSON.stringify(v)}`);
    });
}
