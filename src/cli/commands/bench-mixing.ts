// `chorus bench mixing`: tokens/s of single models and of 2- and 3-model logit mixes on generated bigram GGUFs.
import * as path from "node:path";
import type { Command } from "commander";
import { wholeNumber } from "../options";
import { benchMixing } from "../../bench/mixing";
import { benchFamilyPair } from "../../bench/mixing-family";
import { demoModelsDir } from "../../sidecar/demo";
import { resolveDtype, type DtypeName } from "../../sidecar/testmodels/bigram";

interface MixingFlags {
  vocab: string;
  tokens?: string;
  repeats: string;
  topK: string;
  dtype: string;
  dir?: string;
  family?: string;
  prompts: string;
  models?: string;
  json?: boolean;
}

export function registerBench(bench: Command): void {
  bench
    .command("mixing")
    .description("Generate bigram models (vocabularies ≈260 and ≈32k), time each alone and in 2- and 3-model logit mixes, delete them.")
    .option("--vocab <list>", "comma-separated vocabulary sizes (each ≥ 258)", "258,32000")
    .option("--tokens <n>", "tokens generated per run (default 128; with --family 64, as the trained models read 256 bytes)")
    .option("--repeats <n>", "runs per measurement; the fastest counts", "3")
    .option("--top-k <n>", "entries read out of each model per step", "40")
    .option("--dtype <type>", "type of the models' weight matrices: q8_0 (quantised, as models are usually run), f16, bf16 or f32", "q8_0")
    .option("--dir <dir>", "where to generate the models (default: the OS temp folder, removed afterwards)")
    .option(
      "--family <name>",
      "instead: qwen2.5-coder — the trained demo models as a 0.5b-like amateur under a 7b-like expert (real vocabularies and cost profile), contrastive, on code",
    )
    .option("--prompts <n>", "with --family: held-out TypeScript files whose starts are the prompts", "4")
    .option("--models <dir>", "with --family: the trained demo models (weak.gguf, general.gguf)")
    .option("--json", "print JSON")
    .action(async (o: MixingFlags) => {
      if (o.family !== undefined) {
        if (o.family !== "qwen2.5-coder") throw new Error(`--family knows only qwen2.5-coder, not "${o.family}"`);
        const tokens = wholeNumber("--tokens", o.tokens ?? "64", 160);
        const r = await benchFamilyPair({
          tokens,
          prompts: wholeNumber("--prompts", o.prompts, 16),
          modelsDir: o.models ? path.resolve(o.models) : demoModelsDir(),
          promptsDir: path.resolve("test/fixtures/heldout-code/typescript"),
          repeats: wholeNumber("--repeats", o.repeats, 50),
          topK: wholeNumber("--top-k", o.topK, 4096),
          dir: o.dir,
          log: (s) => console.error(s),
        });
        console.log(
          o.json
            ? JSON.stringify(r, null, 2)
            : Object.entries(r)
                .map(([k, v]) => `${k.padEnd(22)} ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
                .join("\n"),
        );
        return;
      }
      const vocabs = o.vocab.split(",").map((v) => Number(v.trim()));
      if (vocabs.some((v) => !Number.isInteger(v) || v < 258 || v > 200_000))
        throw new Error(`--vocab must list integers from 258 to 200000, not "${o.vocab}"`);
      const result = await benchMixing({
        vocabs,
        tokens: wholeNumber("--tokens", o.tokens ?? "128", 4000),
        repeats: wholeNumber("--repeats", o.repeats, 50),
        topK: wholeNumber("--top-k", o.topK, 4096),
        dtype: resolveDtype(o.dtype as DtypeName), // checked there: an unknown name is an error that lists the types
        dir: o.dir,
        log: (s) => console.error(s),
      });
      if (o.json) console.log(JSON.stringify(result, null, 2));
      else for (const [k, v] of Object.entries(result)) console.log(`${k.padEnd(20)} ${typeof v === "object" ? JSON.stringify(v) : String(v)}`);
    });
}
