// `chorus bench mixing`: what logit mixing costs. For each vocabulary size it generates three bigram GGUFs, then
// measures tokens/s of each model alone (node-llama-cpp's own greedy step: `generateNext: {token: true}`), and of
// 2- and 3-model products of experts through createMixer (top-K read-outs, lanes evaluated concurrently).
//
// overhead_ratio  = wall time per mixed token spent in the JavaScript mixing code (mix + sample + text, timed
//                   inside the decode loop while no native evaluation runs) / the slowest single model's wall time
//                   per token.
// mix2_speed_ratio = 2-model mix tokens/s / the slower of the two models' single tokens/s.
// mix2_speed_ratio_paired = the same ratio per round (the mix over the slower single model of that round), in
//                   round order: runs taken seconds apart share the machine's state, so the spread shows how much
//                   of the best-of figure is the machine's drift rather than the mix.
// lane_overlap     = Σ each lane's evaluation wall time / the wall time of the lockstep evaluations (1 = the
//                   models ran one after another, 2 = two ran fully side by side).
// sidecar_single  = models a and b served alone the way the sidecar serves a model (its lane's direct native
//                   read-out, no logprobs asked, lookahead off): tokens/s, and the mix over the slower of
//                   them — a stricter baseline than node-llama-cpp's own greedy step where that step is slower.
// pair_speed_ratio = models a and b each run alone as above but both at once (no mixing): the slower one's tokens/s
//                   over the slower single's. What this machine gives two concurrent single-threaded lanes right now
//                   (1 on two idle cores; less when other work holds a core): a ceiling for mix2_speed_ratio.
// prefix_reuse    = an inline-completion pattern: a long prompt (PREFIX_PROMPT_TOKENS) extended by a few characters
//                   per request, 16 tokens each, through the 2-model mix with and without KV prefix reuse: median
//                   wall ms per request and the prompt tokens the lanes evaluated (the speed figures above keep
//                   reuse off, as their single-model runs evaluate the whole prompt every time).
// lookahead       = the 2-model mix with lookahead decoding on (the sidecar's default: up to 4 drafts a step, looked
//                   up in the prompt and reply), same prompt and models: tokens/s, its speed over the lockstep mix
//                   above (which, like the single runs, writes one token a step) and the share of drafts confirmed.
//                   The replies are identical; only the number of lane evaluations changes. These bigram models'
//                   greedy replies settle into cycles, which the lookup predicts well: a best case — real code
//                   models repeat less, though code itself repeats a lot. single_tokens_per_s and mix2_speed_ratio
//                   here compare like with like: models a and b served alone by the sidecar with the same lookahead
//                   (its default settings for both), the mix over the slower of them.
// model_bytes     = one model's GGUF size. WEIGHTS: the models are Q8_0 by default, as quantised GGUFs are what
//                   people run. A bigram model's step is almost all output matrix (V × d, d ≈ 288): at 32k that is
//                   9.8 MB read per token in Q8_0 and 37 MB in F32 (--dtype f32). Two models in F32 outgrow the
//                   last-level cache of a small machine, so the two lanes then share its memory bandwidth
//                   (pair_speed_ratio shows what that leaves); the mix cannot go faster than that ceiling.
// The top-level keys are the worst case over vocabularies (max overhead, min speed ratio). Runs are interleaved and repeated
// and the fastest kept (other work on the machine only ever slows a run down); the load average is reported
// because it skews every figure. cpu_ms_per_token (this process's CPU time, all threads) shows the work done,
// which contention does not inflate the way it inflates wall time; main_thread_cpu_ms_per_token is the part of it
// spent on the main thread (Linux), which issues and answers every lane's native calls one after another — with
// two lanes on two cores it is the third thread wanting a core, and at small vocabularies it is what a mix step
// waits on most.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { LlamaModel, Token } from "node-llama-cpp";
import { createMixer, type Mixer } from "../sidecar/mixing/mixer";
import type { MixSpec } from "../sidecar/mixing/spec";
import { DEFAULT_LOOKAHEAD } from "../sidecar/mixing/lookahead";
import { generate } from "../sidecar/generation/generate";
import { completionPrompt } from "../sidecar/generation/prompts";
import { LoadedModel } from "../sidecar/registry/loaded-model";
import { makeBigramModel } from "../sidecar/testmodels/bigram";
import { GgmlType, ggmlTypeName } from "../sidecar/gguf";
import { mainThreadSchedstat, type ThreadSchedstat } from "./thread-schedstat";

export interface MixingBenchOptions {
  vocabs: number[];
  tokens: number;
  repeats: number;
  topK: number;
  /** Type of the bench models' weight matrices (default Q8_0: see WEIGHTS below). */
  dtype?: GgmlType;
  dir?: string;
  log?: (line: string) => void;
}

interface MixFigures {
  tokens_per_s: number;
  cpu_ms_per_token: number;
  /** The main thread's part of cpu_ms_per_token: every lane's native calls are issued and answered there. */
  main_thread_cpu_ms_per_token: number;
  js_ms_per_token: number;
  eval_ms_per_token: number;
  /** Σ each lane's evaluation wall time / the wall time of the lockstep evaluations: 1 = one after another. */
  lane_overlap: number;
  overhead_ratio: number;
}

const PROMPT = "export function total(items: Item[]): number {\n  return ";

/** A deterministic code-like corpus per model (speed does not depend on the text, only on the shapes). */
function corpus(seed: number): string {
  const words = [
    "const",
    "let",
    "return",
    "function",
    "if",
    "else",
    "for",
    "of",
    "items",
    "total",
    "sum",
    "x",
    "await",
    "new",
    "Map",
    "=>",
    "(",
    ")",
    "{",
    "}",
    ";",
    "\n",
    "  ",
    "=",
    "+",
    ".",
  ];
  let s = seed;
  const out: string[] = [];
  for (let i = 0; i < 4000; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    out.push(words[s % words.length]!);
  }
  return out.join(" ");
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

/** The main thread's own CPU time since `since` (NaN where the OS does not say). */
const mainCpuMs = (since: ThreadSchedstat | undefined) => {
  const now = mainThreadSchedstat();
  return since && now ? now.onCpuMs - since.onCpuMs : NaN;
};

interface SingleRun {
  tps: number;
  /** CPU ms per token, all threads. */
  cpu: number;
  /** The main thread's share of it. */
  main: number;
}

/** One model alone, node-llama-cpp choosing each token greedily: the speed a mix is compared with. */
async function singleRun(model: LlamaModel, tokens: number): Promise<SingleRun> {
  const ctx = await model.createContext({ contextSize: tokens + 128, threads: 1 });
  try {
    const seq = ctx.getSequence();
    const prompt = [model.tokens.bos!, ...model.tokenize(PROMPT)];
    const started = performance.now();
    const cpu = process.cpuUsage();
    const main = mainThreadSchedstat();
    const first = await seq.controlledEvaluate(prompt.map((t, i) => (i === prompt.length - 1 ? [t, { generateNext: { token: true } }] : t)));
    let next = first[prompt.length - 1]?.next.token;
    for (let i = 1; i < tokens; i++) {
      if (next === undefined || next === null) throw new Error("the model produced no token");
      const out = await seq.controlledEvaluate([[next as Token, { generateNext: { token: true } }]]);
      next = out[0]?.next.token;
    }
    return { tps: tokens / ((performance.now() - started) / 1000), cpu: cpuMs(cpu) / tokens, main: mainCpuMs(main) / tokens };
  } finally {
    await ctx.dispose();
  }
}

/** One model the way the sidecar serves it (generation/generate.ts), greedy, with the given lookahead. */
async function sidecarSingleRun(model: LoadedModel, tokens: number, topK: number, lookahead: number): Promise<number> {
  const prompt = completionPrompt(model.model, PROMPT, undefined).tokens;
  const started = performance.now();
  const r = await generate(model, prompt, { maxTokens: tokens, temperature: 0, topP: 1, stop: [] }, new AbortController().signal, undefined, {
    topK,
    lookahead,
  });
  if (r.completionTokens !== tokens) throw new Error(`the model stopped after ${r.completionTokens} tokens`);
  return tokens / ((performance.now() - started) / 1000);
}

interface MixRun {
  tps: number;
  /** Drafts confirmed / proposed (lookahead runs). */
  acceptance: number;
  cpu: number;
  main: number;
  js: number;
  ev: number;
  overlap: number;
}

async function mixRun(mixer: Mixer, tokens: number): Promise<MixRun> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const main = mainThreadSchedstat();
  const res = await mixer.generate({ prompt: PROMPT, maxTokens: tokens });
  const seconds = (performance.now() - started) / 1000;
  if (res.tokens.length !== tokens) throw new Error(`the mix stopped after ${res.tokens.length} tokens (${res.finishReason})`);
  const laneSum = Object.values(res.timing.laneEvalMs).reduce((a, b) => a + b, 0);
  return {
    tps: tokens / seconds,
    acceptance: res.timing.draftTokens ? res.timing.draftTokensAccepted / res.timing.draftTokens : 0,
    cpu: cpuMs(cpu) / tokens,
    main: mainCpuMs(main) / tokens,
    js: res.timing.mixMs / res.timing.steps,
    ev: res.timing.evalMs / res.timing.steps,
    overlap: laneSum / res.timing.evalMs,
  };
}

function mixFigures(runs: MixRun[], names: string[], singleTps: Record<string, number>): MixFigures {
  const best = [...runs].sort((a, b) => b.tps - a.tps)[0]!;
  const slowestMs = 1000 / Math.min(...names.map((n) => singleTps[n]!));
  return {
    tokens_per_s: round(best.tps),
    cpu_ms_per_token: round(best.cpu, 4),
    main_thread_cpu_ms_per_token: round(best.main, 4),
    js_ms_per_token: round(best.js, 4),
    eval_ms_per_token: round(best.ev, 4),
    lane_overlap: round(best.overlap, 2),
    overhead_ratio: round(best.js / slowestMs, 4),
  };
}

const productOf = (names: string[], topK: number): MixSpec => ({ strategy: "product", models: names.map((model) => ({ model, weight: 1 })), topK });

const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/** The sidecar's default lookahead (DEFAULT_LOOKAHEAD), for the runs that measure it. */
const LOOKAHEAD = DEFAULT_LOOKAHEAD;

const PREFIX_PROMPT_TOKENS = 1024;
const PREFIX_REQUESTS = 8;
const PREFIX_COMPLETION = 16;

/** Median wall ms per request of successive completions whose prompts grow by a few characters each time. */
async function prefixReuse(models: Record<string, LlamaModel>, topK: number) {
  const file = corpus(9).slice(0, PREFIX_PROMPT_TOKENS);
  const figures: Record<string, { median_ms: number; prompt_tokens_evaluated: number }> = {};
  const variants = {
    no_reuse: { reusePrefix: false, lookahead: 0 },
    reuse: { reusePrefix: true, lookahead: 0 },
    reuse_lookahead: { reusePrefix: true, lookahead: LOOKAHEAD },
  };
  for (const [variant, options] of Object.entries(variants)) {
    const mixer = await createMixer(productOf(["a", "b"], topK), models, { threads: 1, contextSize: PREFIX_PROMPT_TOKENS + 256, ...options });
    try {
      const ms: number[] = [];
      let evaluated = 0;
      for (let i = 0; i < PREFIX_REQUESTS; i++) {
        const started = performance.now();
        const r = await mixer.generate({ prompt: `${file}\n// edit ${i}: total(`, maxTokens: PREFIX_COMPLETION });
        // The first request is cold either way.
        if (i > 0) ms.push(performance.now() - started);
        evaluated = r.timing.promptTokensEvaluated;
      }
      ms.sort((a, b) => a - b);
      figures[variant] = { median_ms: round(ms[Math.floor(ms.length / 2)]!, 2), prompt_tokens_evaluated: evaluated };
    } finally {
      await mixer.dispose();
    }
  }
  return { prompt_tokens: PREFIX_PROMPT_TOKENS, completion_tokens: PREFIX_COMPLETION, ...figures };
}

export async function benchMixing(o: MixingBenchOptions) {
  const log = o.log ?? (() => undefined);
  const dtype = o.dtype ?? GgmlType.Q8_0;
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), "chorus-bench-mixing-"));
  const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const perVocab = [];
  try {
    for (const vocab of o.vocabs) {
      const models: Record<string, LlamaModel> = {};
      let modelBytes = 0;
      const served: Record<string, LoadedModel> = {};
      for (const [i, name] of ["a", "b", "c"].entries()) {
        log(`vocab ${vocab}: generating model ${name}`);
        const made = await makeBigramModel({
          corpus: corpus(i + 1),
          out: join(dir, `bench-${vocab}-${name}.gguf`),
          smoothing: 0.1 * (i + 1),
          vocabSize: vocab,
          dtype,
          contextLength: Math.max(o.tokens, PREFIX_PROMPT_TOKENS) + 256,
        });
        modelBytes = made.bytes;
        models[name] = await llama.loadModel({ modelPath: made.path, gpuLayers: 0 });
        if (name !== "c") served[name] = await LoadedModel.load(llama, name, made.path, { threads: 1, maxContext: o.tokens + 128, gpu: false });
      }
      try {
        // Every run repeats one prompt: with KV prefix reuse the mix would skip evaluating it while the single runs
        // do not, so reuse is off here and both evaluate the whole prompt each run. Lookahead is off too (one token
        // a step, as the single runs write), except in the mixer that measures it.
        const mixOptions = { threads: 1, contextSize: o.tokens + 128, reusePrefix: false, lookahead: 0 };
        const mixers = {
          mix2: await createMixer(productOf(["a", "b"], o.topK), models, mixOptions),
          mix3: await createMixer(productOf(["a", "b", "c"], o.topK), models, mixOptions),
          mix2_lookahead: await createMixer(productOf(["a", "b"], o.topK), models, { ...mixOptions, lookahead: LOOKAHEAD }),
        };
        const singleRuns: Record<string, SingleRun[]> = { a: [], b: [], c: [] };
        const mixRuns: Record<keyof typeof mixers, MixRun[]> = { mix2: [], mix3: [], mix2_lookahead: [] };
        const pairRuns: number[] = [];
        /** Per round: the 2-model mix over the slower single model of the same round (paired, so drift cancels). */
        const pairedRatios: number[] = [];
        const sidecarRuns: Record<string, number[]> = { a: [], b: [] };
        const sidecarAheadRuns: Record<string, number[]> = { a: [], b: [] };
        try {
          for (const name of Object.keys(models)) await singleRun(models[name]!, 8); // warm-up
          for (const m of Object.values(mixers)) await m.generate({ prompt: PROMPT, maxTokens: 8 });
          // Interleaved rounds, so every configuration samples the same spells of load on a shared machine.
          for (let r = 0; r < o.repeats; r++) {
            for (const name of Object.keys(models)) singleRuns[name]!.push(await singleRun(models[name]!, o.tokens));
            for (const name of Object.keys(served)) {
              sidecarRuns[name]!.push(await sidecarSingleRun(served[name]!, o.tokens, o.topK, 0));
              sidecarAheadRuns[name]!.push(await sidecarSingleRun(served[name]!, o.tokens, o.topK, LOOKAHEAD));
            }
            const pair = await Promise.all([singleRun(models.a!, o.tokens), singleRun(models.b!, o.tokens)]);
            pairRuns.push(Math.min(...pair.map((p) => p.tps)));
            mixRuns.mix2.push(await mixRun(mixers.mix2, o.tokens));
            pairedRatios.push(mixRuns.mix2.at(-1)!.tps / Math.min(singleRuns.a!.at(-1)!.tps, singleRuns.b!.at(-1)!.tps));
            mixRuns.mix3.push(await mixRun(mixers.mix3, o.tokens));
            mixRuns.mix2_lookahead.push(await mixRun(mixers.mix2_lookahead, o.tokens));
            log(`vocab ${vocab}: round ${r + 1}/${o.repeats} done`);
          }
        } finally {
          for (const m of Object.values(mixers)) await m.dispose();
        }
        log(`vocab ${vocab}: prefix reuse`);
        const reuse = await prefixReuse(models, o.topK);
        const single: Record<string, number> = {};
        const singleCpu: Record<string, number> = {};
        const singleMain: Record<string, number> = {};
        for (const [name, runs] of Object.entries(singleRuns)) {
          const best = [...runs].sort((a, b) => b.tps - a.tps)[0]!;
          single[name] = round(best.tps);
          singleCpu[name] = round(best.cpu, 4);
          singleMain[name] = round(best.main, 4);
        }
        const mix2 = mixFigures(mixRuns.mix2, ["a", "b"], single);
        const mix3 = mixFigures(mixRuns.mix3, ["a", "b", "c"], single);
        const slowest2 = Math.min(single.a!, single.b!);
        const ahead = [...mixRuns.mix2_lookahead].sort((x, y) => y.tps - x.tps)[0]!;
        const sidecar = { a: round(Math.max(...sidecarRuns.a!)), b: round(Math.max(...sidecarRuns.b!)) };
        const sidecarAhead = { a: round(Math.max(...sidecarAheadRuns.a!)), b: round(Math.max(...sidecarAheadRuns.b!)) };
        perVocab.push({
          vocab,
          model_bytes: modelBytes,
          single_tokens_per_s: single,
          single_cpu_ms_per_token: singleCpu,
          single_main_thread_cpu_ms_per_token: singleMain,
          mix2,
          mix3,
          overhead_ratio: Math.max(mix2.overhead_ratio, mix3.overhead_ratio),
          mix2_speed_ratio: round(mix2.tokens_per_s / slowest2, 3),
          pair_speed_ratio: round(Math.max(...pairRuns) / slowest2, 3),
          mix2_speed_ratio_paired: pairedRatios.map((x) => round(x, 3)),
          sidecar_single: { tokens_per_s: sidecar, mix2_speed_ratio: round(mix2.tokens_per_s / Math.min(sidecar.a, sidecar.b), 3) },
          lookahead: {
            mix2_tokens_per_s: round(ahead.tps),
            speedup_over_mix2: round(ahead.tps / mix2.tokens_per_s, 2),
            draft_acceptance: round(ahead.acceptance, 3),
            single_tokens_per_s: sidecarAhead,
            mix2_speed_ratio: round(ahead.tps / Math.min(sidecarAhead.a, sidecarAhead.b), 3),
          },
          prefix_reuse: reuse,
        });
      } finally {
        for (const m of Object.values(served)) await m.dispose();
        for (const m of Object.values(models)) await m.dispose();
      }
    }
  } finally {
    if (!o.dir) rmSync(dir, { recursive: true, force: true });
  }
  return {
    benchmark: "mixing",
    strategy: "product of experts (weights 1), greedy",
    top_k: o.topK,
    dtype: ggmlTypeName(dtype),
    tokens_per_run: o.tokens,
    repeats: o.repeats,
    threads_per_model: 1,
    /** libuv's pool, which runs every native decode and read-out (src/sidecar/thread-pool.ts). */
    thread_pool: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
    cpu_cores: cpus().length,
    load_average_1m: round(loadavg()[0] ?? 0, 2),
    overhead_ratio: Math.max(...perVocab.map((v) => v.overhead_ratio)),
    mix2_speed_ratio: Math.min(...perVocab.map((v) => v.mix2_speed_ratio)),
    targets: { overhead_ratio: "< 0.10", mix2_speed_ratio: ">= 0.8" },
    vocabularies: perVocab,
  };
}
