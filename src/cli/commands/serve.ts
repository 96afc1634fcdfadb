// `chorus serve`: the sidecar in the foreground, for any OpenAI client (curl, the openai package, other editors).
// Prints the URL and a fresh bearer token; --demo generates the demo models and their mixing presets. Mixing
// presets come from the config file ("sidecar": {"presets": …}, as chorus.sidecar.presets) and --preset flags,
// parsed as the extension parses its setting, so any OpenAI client can run a preset over the user's own models.

import { randomBytes } from "node:crypto";
import { homedir, availableParallelism } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { wholeNumber } from "../options";
import { demoPresets, ensureDemoModels } from "../../sidecar/demo";
import { mergePresets, PRESET_FLAG_SYNTAX, presetModels, presetsFromFlags } from "../../sidecar/presets";
import { parseAdapterFlag } from "../../sidecar/registry/adapters";
import { loadConfigPresets } from "../config-file";
import { defaultThreads, SIDECAR_DEFAULTS } from "../../sidecar/server/config";
import { startSidecar } from "../../sidecar/server/start";

interface ServeOptions {
  port?: string;
  models: string[];
  demo?: boolean;
  threads?: string;
  lookahead?: string;
  memoryMb?: string;
  ollama: boolean;
  gpu: boolean;
  cacheDir?: string;
  adapter: string[];
  preset: string[];
}

function positiveInt(v: string | undefined, flag: string, max: number): number | undefined {
  return v === undefined ? undefined : wholeNumber(flag, v, max);
}

export function register(program: Command): void {
  program
    .command("serve")
    .description("Run the local model server (OpenAI-compatible) with GGUF models and logit-mixing presets.")
    .option("--port <port>", "port on 127.0.0.1 (default, or 0: a free one)")
    .option("--models <dir>", "a folder of .gguf files (repeat for more)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("--demo", "generate the demo models (and serve the chorus/* mixing presets over them)")
    .option("--threads <n>", "CPU threads per model")
    .option("--lookahead <n>", "draft tokens an evaluation checks, guessed from the text (0 = off; default 4)")
    .option("--memory-mb <mb>", `memory budget for loaded models (default ${SIDECAR_DEFAULTS.memoryMb})`)
    .option("--no-ollama", "do not serve the models Ollama has downloaded")
    .option("--no-gpu", "run on the CPU even when a GPU is found")
    .option("--cache-dir <dir>", "where --demo writes its models and which model files loaded is remembered (default ~/.cache/chorus)")
    .option(
      "--adapter <NAME=BASE,PATH[@SCALE],...>",
      "serve BASE with GGUF LoRA adapters attached (scale default 1) as the model NAME (repeat for more)",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option(
      "--preset <NAME=JSON>",
      `serve a mixing preset as the model chorus/NAME, e.g. --preset ${PRESET_FLAG_SYNTAX} (repeat for more; ` +
        `also read from the config file's "sidecar": {"presets": {NAME: {…}}}; a flag wins over a same-named entry there)`,
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .action(async (opts: ServeOptions) => {
      const port = opts.port === undefined ? undefined : wholeNumber("--port", opts.port, 65535, 0);
      const adapters = Object.fromEntries(opts.adapter.map(parseAdapterFlag));
      const fromFlags = presetsFromFlags(opts.preset);
      const fromFile = loadConfigPresets(program.opts<{ config?: string }>().config);
      for (const p of fromFile.problems) console.error(`warning: ${p}`);
      const userPresets = mergePresets(fromFile.presets, fromFlags);
      const folders = [...opts.models];
      const cache = opts.cacheDir ?? join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "chorus");
      if (opts.demo) {
        folders.push(await ensureDemoModels(cache, undefined, (line) => console.error(line)));
      }
      const token = randomBytes(24).toString("hex");
      const sidecar = await startSidecar({
        token,
        port,
        modelFolders: folders,
        useOllamaModels: opts.ollama,
        memoryMb: positiveInt(opts.memoryMb, "--memory-mb", 1_048_576) ?? SIDECAR_DEFAULTS.memoryMb,
        threads: positiveInt(opts.threads, "--threads", 256) ?? defaultThreads(availableParallelism()),
        lookahead: opts.lookahead === undefined ? undefined : wholeNumber("--lookahead", opts.lookahead, 16, 0),
        gpu: opts.gpu ? "auto" : false,
        maxContext: SIDECAR_DEFAULTS.maxContext,
        adapters,
        // User presets (config file, then flags) win over the demo's of the same name.
        builtInPresets: mergePresets(opts.demo ? demoPresets() : [], userPresets),
        cacheDir: cache,
        log: (m) => console.error(m),
      });
      for (const p of sidecar.problems()) console.error(`warning: ${p}`);
      // Header-checked: a file llama.cpp would refuse is named here with the reason, before anything requests it.
      const listed = await sidecar.registry.listChecked();
      for (const m of listed) if (m.unusable) console.error(`warning: model ${m.id} cannot be used: ${m.unusable}`);
      const models = listed.map((m) => m.id);
      console.log(`Chorus sidecar listening on ${sidecar.url}`);
      console.log(`OpenAI base URL: ${sidecar.url}/v1`);
      console.log(`Token: ${token}`);
      console.log(`Models: ${[...sidecar.presets.map((p) => `chorus/${p.name}`), ...models].join(", ") || "none (pass --models DIR or --demo)"}`);
      const served = new Set(models);
      for (const p of sidecar.presets) {
        const missing = presetModels(p).filter((m) => !served.has(m));
        if (missing.length)
          console.error(`warning: preset chorus/${p.name} uses ${missing.map((m) => `"${m}"`).join(", ")}, which this server does not serve (see Models)`);
      }
      // The variables `chorus ask`/`models` (and `npm start`) read to reach a sidecar started by hand.
      console.log(`export CHORUS_SIDECAR_URL=${sidecar.url}`);
      console.log(`export CHORUS_SIDECAR_TOKEN=${token}`);
      console.log("Press Ctrl+C to stop.");
      await new Promise<void>((resolve) => {
        const stop = () => void sidecar.stop().then(resolve, resolve);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
