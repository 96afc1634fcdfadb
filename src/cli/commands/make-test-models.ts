import { existsSync, mkdirSync, statSync } from "node:fs";
import type { Command } from "commander";
import { makeTestModels } from "../../sidecar/testmodels/suite";
import { interruptSignal } from "../engine";

export function register(program: Command): void {
  program
    .command("make-test-models")
    .description("Write the generated test models (closed-form bigram GGUFs, a random-weight model) and models.json.")
    .requiredOption("--out <dir>", "folder to write the models into (created if missing)")
    .option("--corpora <dir>", "corpora folder with typescript/ and python/ (default: test/fixtures/corpora)")
    .option("--big-vocab", "also write 32000-token variants (ts-expert-32k, py-expert-32k, general-32k; about 20 MB each)")
    .option("--families", "also write a Qwen2.5-Coder 0.5b-shaped and 7b-shaped pair (real vocabularies: 151,936 and 152,064 ids) that mix")
    .option("--json", "print models.json instead of progress lines")
    .action(async (opts: { out: string; corpora?: string; bigVocab?: boolean; families?: boolean; json?: boolean }) => {
      if (existsSync(opts.out) && !statSync(opts.out).isDirectory()) throw new Error(`--out ${opts.out} exists and is not a folder`);
      mkdirSync(opts.out, { recursive: true });
      const signal = interruptSignal();
      const manifest = await makeTestModels({
        outDir: opts.out,
        corporaDir: opts.corpora,
        bigVocab: opts.bigVocab,
        families: opts.families,
        signal,
        log: opts.json ? undefined : (line) => console.log(line),
      }).catch((e: unknown) => {
        // Each model is written to a temp file and renamed when complete, so a cancel leaves no half a model.
        if (signal.aborted) throw new Error(`cancelled; the models already listed are complete, the one being written was removed`);
        throw e;
      });
      if (opts.json) console.log(JSON.stringify(manifest, null, 2));
    });
}
