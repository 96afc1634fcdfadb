// `chorus merge`: merge GGUF models from flags or a mergekit-shaped YAML plan, with a progress bar on stderr,
// Ctrl-C to cancel (nothing is left behind), and optional registration of the result with Ollama.
import type { Command } from "commander";
import { existsSync, statSync } from "node:fs";
import * as path from "node:path";
import { DEFAULT_OLLAMA_URL } from "../../core/config";
import { METHOD_DESCRIPTIONS, METHOD_NAMES } from "../../sidecar/merge/methods";
import { availableParallelism } from "node:os";
import { crossEntropy } from "../../sidecar/merge/cross-entropy";
import { readGgufHeader } from "../../sidecar/gguf/reader";
import { checkOllamaModelName, registerWithOllama } from "../../sidecar/merge/ollama-register";
import { optimizeMerge } from "../../sidecar/merge/optimize";
import { collectSample } from "../../sidecar/merge/sample-files";
import { MergeConfigError } from "../../sidecar/merge/params";
import { parseDtype, readPlanFile, type MergePlan } from "../../sidecar/merge/plan";
import { parseNumberList, planFromFlags } from "../../sidecar/merge/plan-from-flags";
import { runMerge, type MergeProgress, type MergeResult } from "../../sidecar/merge/run";
import { wholeNumber } from "../options";

interface MergeOpts {
  method?: string;
  models?: string;
  base?: string;
  weights?: string;
  density?: string;
  t?: string;
  lambda?: string;
  out?: string;
  dtype?: string;
  seed?: string;
  name?: string;
  ollama?: string;
  ollamaUrl?: string;
  ollamaLike?: string;
  progress?: string;
  optimize?: string;
  sample?: string;
  evaluations?: string;
  threads?: string;
  tokenizerSource?: string;
}

/** A bar redrawn in place on a terminal; on a pipe or a log file, a plain line every 10%. */
export function progressPrinter(stream: NodeJS.WriteStream): (p: MergeProgress) => void {
  let lastDecile = -1;
  let lastDraw = 0;
  return (p) => {
    const frac = p.valuesTotal ? p.valuesDone / p.valuesTotal : 0;
    // The tensor being merged (tensorsDone counts those fully written).
    const current = `tensor ${Math.min(p.tensorsDone + 1, p.tensorsTotal)}/${p.tensorsTotal}`;
    if (stream.isTTY) {
      const now = Date.now();
      if (now - lastDraw < 100 && frac < 1) return;
      lastDraw = now;
      const width = 30;
      const filled = Math.round(frac * width);
      stream.write(
        `\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%  ${current}  ${p.tensor.slice(0, 30).padEnd(30)}`,
      );
      if (frac >= 1) stream.write("\n");
      return;
    }
    const decile = Math.floor(frac * 10);
    if (decile > lastDecile) {
      lastDecile = decile;
      stream.write(`merge: ${decile * 10}% (${current})\n`);
    }
  };
}

function num(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(v)) throw new MergeConfigError(`${flag}: "${raw}" is not a number`);
  return v;
}

function planOf(planFile: string | undefined, o: MergeOpts): Promise<MergePlan> | MergePlan {
  if (planFile) {
    const conflicting = (["method", "models", "base", "weights", "density", "t", "lambda", "tokenizerSource"] as const).filter((k) => o[k] !== undefined);
    if (conflicting.length)
      throw new MergeConfigError(
        `give either a plan file or --${conflicting[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}, not both: put the parameters in the plan`,
      );
    return readPlanFile(planFile);
  }
  if (!o.method) throw new MergeConfigError(`give a plan file (chorus merge plan.yaml) or --method and --models`);
  if (!o.models) throw new MergeConfigError(`--models is required: the GGUF files to merge, separated by commas`);
  const seed = num(o.seed, "--seed");
  return planFromFlags({
    method: o.method,
    models: o.models.split(",").map((s) => path.resolve(s.trim())),
    base: o.base ? path.resolve(o.base) : undefined,
    weights: o.weights ? parseNumberList(o.weights, "--weights") : undefined,
    density: o.density ? parseNumberList(o.density, "--density") : undefined,
    t: o.t ? parseNumberList(o.t, "--t") : undefined,
    lambda: num(o.lambda, "--lambda"),
    dtype: o.dtype,
    seed,
    name: o.name,
    tokenizerSource: o.tokenizerSource ? path.resolve(o.tokenizerSource) : undefined,
  });
}

/** The signals that stop a merge; SIGKILL cannot be caught, and the next merge removes what it leaves. */
const STOP_SIGNALS: NodeJS.Signals[] = process.platform === "win32" ? ["SIGINT", "SIGBREAK"] : ["SIGINT", "SIGTERM", "SIGHUP"];

/** Writes one JSON object per line on stderr, for a program that runs the CLI (the VS Code command). */
const jsonLine = (message: object) => process.stderr.write(`${JSON.stringify(message)}\n`);

async function optimizeForCode(plan: MergePlan, out: string, o: MergeOpts, signal: AbortSignal): Promise<void> {
  if (o.optimize !== "t" && o.optimize !== "weights") throw new MergeConfigError(`--optimize must be "t" or "weights", not "${o.optimize}"`);
  const json = o.progress === "json";
  const say = json ? (status: string) => jsonLine({ status }) : (line: string) => console.error(line);
  const evaluations = wholeNumber("--evaluations", o.evaluations ?? "7", 100);
  const threads = o.threads !== undefined ? wholeNumber("--threads", o.threads, 256) : Math.max(1, Math.min(4, availableParallelism() - 1));
  const started = performance.now();
  const sample = await collectSample((o.sample ?? ".").split(",").map((p) => p.trim()));
  say(`sample: ${sample.texts.length} files, ${(sample.bytes / 1024).toFixed(0)} KB`);
  for (const s of sample.skipped.slice(0, 10)) say(`  skipped ${s.file}: ${s.reason}`);
  if (sample.skipped.length > 10) say(`  … and ${sample.skipped.length - 10} more files skipped`);
  const report = await optimizeMerge({
    plan,
    target: o.optimize,
    texts: sample.texts,
    out,
    evaluations,
    signal,
    evaluate: async (file, texts, sig) => (await crossEntropy(file, texts, { threads, signal: sig })).bitsPerByte,
    onStatus: say,
  });
  if (json) {
    const header = await readGgufHeader(report.out);
    const result: MergeResult = { path: report.out, bytes: header.fileSize, tensors: header.tensors.length, seconds: (performance.now() - started) / 1000 };
    jsonLine({ result, report });
  }
  console.log(
    `best ${report.target} = ${report.best.value.map((v) => v.toFixed(3)).join(", ")}: ${report.best.bitsPerByte.toFixed(4)} bits/byte on your code, written to ${report.out}`,
  );
  for (const i of report.inputs)
    console.log(
      `  vs ${path.basename(i.model)}: ${i.bitsPerByte.toFixed(4)} bits/byte → ${i.gainBitsPerByte >= 0 ? "gain" : "loss"} ${Math.abs(i.gainPercent).toFixed(1)}%`,
    );
}

export function register(program: Command): void {
  program
    .command("merge [plan]")
    .description("Merge GGUF models (same architecture and tokenizer) into a new GGUF file.")
    .option("--method <m>", `merge method: ${METHOD_NAMES.join(", ")}`)
    .option("--models <files>", "comma-separated GGUF files to merge")
    .option("--base <file>", "base model (task-vector methods, model_stock; slerp's t = 0 end)")
    .option("--weights <w>", "per-model weights, comma-separated (one value for all, or one per model)")
    .option("--density <d>", "fraction of each task vector kept (ties, dare_*, breadcrumbs*, della*)")
    .option("--t <t>", "slerp interpolation: one value, or several spread over the layers")
    .option("--lambda <l>", "scale of the merged task vector")
    .option("--out <file>", "output GGUF file (never one of the inputs)")
    .option(
      "--dtype <type>",
      "output type: f32, f16, bf16, q8_0, or a llama.cpp k-quant mix: q4_k_m (as Ollama ships), q4_k_s, q5_k_m, q5_k_s, q6_k (default f16)",
    )
    .option("--seed <n>", "seed for DARE/DELLA's random drops (default 0)")
    .option("--name <name>", "general.name of the merged model")
    .option(
      "--tokenizer-source <file>",
      "the model whose tokenizer and metadata (EOS, chat template, added tokens) the output takes (default: the base, else the first model)",
    )
    .option("--optimize <param>", "merge for my code: search t (slerp) or weights to minimise cross-entropy on --sample")
    .option("--sample <paths>", "comma-separated files or folders of your code for --optimize (default: the current folder)")
    .option("--evaluations <n>", "merges to try with --optimize", "7")
    .option("--threads <n>", "llama.cpp CPU threads for --optimize's evaluations")
    .option("--progress <style>", "progress on stderr: bar (default) or json (one JSON object per line, for programs)")
    .option("--ollama <name>", "register the result with Ollama under this name")
    .option("--ollama-url <url>", "Ollama's address", DEFAULT_OLLAMA_URL)
    .option(
      "--ollama-like <model>",
      "with --ollama: keep this Ollama model's template, parameters and system prompt (the model merged from), so FIM and chat keep working",
    )
    .addHelpText(
      "after",
      `\nMethods:\n${METHOD_NAMES.map((m) => `  ${m.padEnd(17)} ${METHOD_DESCRIPTIONS[m]}`).join("\n")}\n\nExample:\n  chorus merge --method slerp --models a.gguf,b.gguf --t 0.3 --out ab.gguf`,
    )
    .action(async (planFile: string | undefined, o: MergeOpts) => {
      const plan = await planOf(planFile, o);
      if (o.dtype && planFile) plan.dtype = parseDtype(o.dtype, "--dtype");
      if (o.name && planFile) plan.name = o.name;
      const out = o.out ? path.resolve(o.out) : plan.out;
      if (!out) throw new MergeConfigError(`--out is required: where to write the merged GGUF file`);
      // Checked before the merge, not after minutes of work.
      if (existsSync(out) && statSync(out).isDirectory()) throw new MergeConfigError(`--out ${out} is a folder: give the path of the GGUF file to write`);
      if (o.progress !== undefined && o.progress !== "bar" && o.progress !== "json")
        throw new MergeConfigError(`--progress must be "bar" or "json", not "${o.progress}"`);
      if (o.ollama) {
        checkOllamaModelName(o.ollama);
        if (!URL.canParse(o.ollamaUrl ?? DEFAULT_OLLAMA_URL))
          throw new MergeConfigError(`--ollama-url "${o.ollamaUrl}" is not a URL; Ollama's is usually ${DEFAULT_OLLAMA_URL}`);
      }
      const ac = new AbortController();
      // Every signal that ends a process from outside (Ctrl-C, `kill`, a closed terminal) cancels the merge the same
      // way, so the temp file is removed; without a handler, SIGTERM and SIGHUP ended the process on the spot.
      const onSignal = (signal: NodeJS.Signals) => ac.abort(new DOMException(`cancelled by ${signal === "SIGINT" ? "Ctrl-C" : signal}`, "AbortError"));
      for (const s of STOP_SIGNALS) process.once(s, onSignal);
      // A parent that forked this CLI (the VS Code command) cancels with a message: signals do not reach a
      // child the same way on every platform.
      const onMessage = (m: unknown) => {
        if (m === "cancel") ac.abort(new DOMException("cancelled", "AbortError"));
      };
      process.on("message", onMessage);
      const onProgress = o.progress === "json" ? (p: MergeProgress) => jsonLine({ progress: p }) : progressPrinter(process.stderr);
      try {
        if (o.optimize) {
          await optimizeForCode(plan, out, o, ac.signal);
        } else {
          const result = await runMerge({ plan, out, signal: ac.signal, onProgress });
          if (o.progress === "json") jsonLine({ result });
          for (const note of result.notes ?? []) console.error(`note: ${note}`);
          console.log(
            `merged ${plan.models.length + (plan.base ? 1 : 0)} models with ${plan.method} into ${result.path} (${(result.bytes / 1e6).toFixed(1)} MB, ${result.seconds.toFixed(1)} s)`,
          );
        }
        if (o.ollama) {
          await registerWithOllama(out, o.ollama, {
            url: o.ollamaUrl ?? DEFAULT_OLLAMA_URL,
            like: o.ollamaLike,
            signal: ac.signal,
            onStatus: (s) => console.error(`ollama: ${s}`),
          });
          console.log(`registered with Ollama as ${o.ollama}`);
        }
      } catch (e) {
        if (ac.signal.aborted) throw new Error(`merge cancelled; nothing was written to ${out}`);
        throw e;
      } finally {
        for (const s of STOP_SIGNALS) process.off(s, onSignal);
        process.off("message", onMessage);
        // The IPC channel of a forked CLI would keep the process alive after the work is done.
        process.disconnect?.();
      }
    });
}
