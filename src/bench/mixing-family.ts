// `chorus bench mixing --family qwen2.5-coder`: what mixing costs on the pair users try first — a Qwen2.5-Coder
// 0.5b-like amateur under a 7b-like expert, contrastive decoding, on code.
//
// The models are the trained demo models re-shaped (testmodels/trained-family.ts): `weak` as the amateur and
// `general` as the expert, with Qwen2.5-Coder's vocabularies (151,936 and 152,064 ids, padding, special tokens) and
// the real checkpoints' cost profile at a ninth of the compute (QWEN_COST_SHAPES: the expert does 14.5× the
// amateur's multiply-adds per token, the output matrix is 27% of the amateur's work and 8% of the expert's). They
// write what the trained models write — code-like text — so lookahead decoding meets text that repeats the way code
// does, which random-weight stand-ins never write. The prompts are the start of held-out TypeScript files.
//
// Each round runs, per prompt: the amateur alone, the expert alone and the mix with lookahead off, then the expert
// alone and the mix with lookahead on (the sidecar's default drafts). A model alone is served as the sidecar serves
// it (generation/generate.ts, one lane of the same decode loop). Every configuration has the prompt in its KV cache
// before a timed run (models alone always reuse a cached prefix; the mixes here do too), so the figures are the
// speed of writing the reply. Tokens/s of a configuration in a round = all its tokens over all its seconds across
// the prompts; figures are the medians over rounds, and ratios are taken within
// each round (the same minutes of the machine) and then the median.
//
// mix_speed_ratio                   = mix / expert alone, lookahead off for both.
// lookahead.mix_over_plain_expert    = the mix with lookahead / the expert alone without: the target
//                                     (≥ 0.9 with lookahead on code) read as "what adding the amateur costs,
//                                     lookahead helping".
// lookahead.mix_over_expert_lookahead = the mix with lookahead / the expert alone with lookahead: like with like.
// lookahead.draft_acceptance         = drafts the mix confirmed / drafts it checked.
// js_ms_per_token, eval_ms_per_token, lane_overlap as in bench/mixing.ts (the lookahead-off mix).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createMixer, type Mixer } from "../sidecar/mixing/mixer";
import { DEFAULT_LOOKAHEAD } from "../sidecar/mixing/lookahead";
import { generate } from "../sidecar/generation/generate";
import { completionPrompt } from "../sidecar/generation/prompts";
import { LoadedModel } from "../sidecar/registry/loaded-model";
import { QWEN_REAL_TOKENS } from "../sidecar/testmodels/families";
import { QWEN_COST_SHAPES, trainedAsQwenCoder } from "../sidecar/testmodels/trained-family";

export interface FamilyBenchOptions {
  tokens: number;
  repeats: number;
  topK: number;
  /** The trained demo models (weak.gguf, general.gguf). */
  modelsDir: string;
  /** Held-out TypeScript files (one per .txt) whose starts are the prompts. */
  promptsDir: string;
  prompts: number;
  dir?: string;
  log?: (line: string) => void;
}

/** The trained models' context (bytes): a prompt and its reply must fit. */
const TRAINED_CONTEXT = 256;

/** The start of each file, licence comments skipped, in whole lines up to what leaves room for the reply. */
export function codePrompts(dir: string, count: number, maxBytes: number): string[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".txt"))
    .sort()
    .slice(0, count);
  if (files.length === 0) throw new Error(`no held-out .txt files in ${dir} to take prompts from`);
  return files.map((f) => {
    const lines = readFileSync(join(dir, f), "utf8")
      .split("\n")
      .filter((l) => !/^\s*(\/\/|\/\*|\*)/.test(l));
    let prompt = "";
    for (const line of lines) {
      if (Buffer.byteLength(prompt + line + "\n") > maxBytes) break;
      prompt += line + "\n";
    }
    return prompt;
  });
}

interface Run {
  tokens: number;
  seconds: number;
  drafts: number;
  accepted: number;
  js: number;
  ev: number;
  overlap: number;
}

async function singleRun(model: LoadedModel, prompt: string, tokens: number, topK: number, lookahead: number): Promise<Run> {
  const started = performance.now();
  const r = await generate(
    model,
    completionPrompt(model.model, prompt, undefined).tokens,
    { maxTokens: tokens, temperature: 0, topP: 1, stop: [] },
    new AbortController().signal,
    undefined,
    {
      topK,
      lookahead,
    },
  );
  return { tokens: r.completionTokens, seconds: (performance.now() - started) / 1000, drafts: 0, accepted: 0, js: 0, ev: 0, overlap: 0 };
}

async function mixRun(mixer: Mixer, prompt: string, tokens: number): Promise<Run> {
  const started = performance.now();
  const r = await mixer.generate({ prompt, maxTokens: tokens });
  const t = r.timing;
  const laneSum = Object.values(t.laneEvalMs).reduce((a, b) => a + b, 0);
  return {
    tokens: r.usage.completionTokens,
    seconds: (performance.now() - started) / 1000,
    drafts: t.draftTokens,
    accepted: t.draftTokensAccepted,
    js: t.mixMs,
    ev: t.evalMs,
    overlap: laneSum / t.evalMs,
  };
}

const CONFIGS = ["amateur", "expert", "mix", "expert_lookahead", "mix_lookahead"] as const;
type Config = (typeof CONFIGS)[number];

export async function benchFamilyPair(o: FamilyBenchOptions) {
  const log = o.log ?? (() => undefined);
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), "chorus-bench-family-"));
  const prompts = codePrompts(o.promptsDir, o.prompts, TRAINED_CONTEXT - o.tokens - 8);
  const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  try {
    log("re-shaping the trained weak model as a 0.5b-like amateur and the general model as a 7b-like expert");
    const amateur = await trainedAsQwenCoder({
      source: join(o.modelsDir, "weak.gguf"),
      out: join(dir, "weak-as-0.5b.gguf"),
      size: "0.5b",
      shape: QWEN_COST_SHAPES["0.5b"],
    });
    const expert = await trainedAsQwenCoder({
      source: join(o.modelsDir, "general.gguf"),
      out: join(dir, "general-as-7b.gguf"),
      size: "7b",
      shape: QWEN_COST_SHAPES["7b"],
    });
    const models = {
      amateur: await llama.loadModel({ modelPath: amateur.path, gpuLayers: 0 }),
      expert: await llama.loadModel({ modelPath: expert.path, gpuLayers: 0 }),
    };
    const load = (id: string, path: string) => LoadedModel.load(llama, id, path, { threads: 1, maxContext: TRAINED_CONTEXT, gpu: false });
    const served = { amateur: await load("amateur", amateur.path), expert: await load("expert", expert.path) };
    const spec = { strategy: "contrastive", expert: "expert", amateur: "amateur", topK: o.topK } as const;
    const mixerOptions = { threads: 1, contextSize: TRAINED_CONTEXT, reusePrefix: true };
    const plain = await createMixer(spec, models, { ...mixerOptions, lookahead: 0 });
    const ahead = await createMixer(spec, models, { ...mixerOptions, lookahead: DEFAULT_LOOKAHEAD });
    const runs: Record<Config, Run[][]> = { amateur: [], expert: [], mix: [], expert_lookahead: [], mix_lookahead: [] };
    try {
      await mixRun(plain, prompts[0]!, 8); // warm-up
      for (let r = 0; r < o.repeats; r++) {
        for (const c of CONFIGS) runs[c].push([]);
        for (const p of prompts) {
          // Each configuration first reads the prompt untimed (one token), so every timed run finds it in its KV
          // cache and times the reply alone: the same for a model alone, which always reuses its cached prefix,
          // and for a mix.
          const timed = async <T>(warm: () => Promise<unknown>, run: () => Promise<T>): Promise<T> => (await warm(), run());
          runs.amateur[r]!.push(
            await timed(
              () => singleRun(served.amateur, p, 1, o.topK, 0),
              () => singleRun(served.amateur, p, o.tokens, o.topK, 0),
            ),
          );
          runs.expert[r]!.push(
            await timed(
              () => singleRun(served.expert, p, 1, o.topK, 0),
              () => singleRun(served.expert, p, o.tokens, o.topK, 0),
            ),
          );
          runs.mix[r]!.push(
            await timed(
              () => mixRun(plain, p, 1),
              () => mixRun(plain, p, o.tokens),
            ),
          );
          const expertAhead = () => singleRun(served.expert, p, o.tokens, o.topK, DEFAULT_LOOKAHEAD);
          runs.expert_lookahead[r]!.push(await timed(() => singleRun(served.expert, p, 1, o.topK, 0), expertAhead));
          runs.mix_lookahead[r]!.push(
            await timed(
              () => mixRun(ahead, p, 1),
              () => mixRun(ahead, p, o.tokens),
            ),
          );
        }
        log(`round ${r + 1}/${o.repeats} done`);
      }
    } finally {
      await ahead.dispose();
      await plain.dispose();
      for (const m of Object.values(served)) await m.dispose();
      for (const m of Object.values(models)) await m.dispose();
    }
    return report(o, prompts, runs, { amateur, expert });
  } finally {
    if (!o.dir) rmSync(dir, { recursive: true, force: true });
  }
}

type Made = Awaited<ReturnType<typeof trainedAsQwenCoder>>;

function report(o: FamilyBenchOptions, prompts: string[], runs: Record<Config, Run[][]>, made: { amateur: Made; expert: Made }) {
  const sum = (rs: Run[], k: keyof Run) => rs.reduce((a, r) => a + r[k], 0);
  const tps = (rs: Run[]) => sum(rs, "tokens") / sum(rs, "seconds");
  const perRound = (c: Config) => runs[c].map(tps);
  const ratio = (a: Config, b: Config) => runs[a].map((rs, i) => tps(rs) / tps(runs[b][i]!));
  const mixRounds = runs.mix.flat();
  const steps = sum(mixRounds, "tokens");
  const aheadRuns = runs.mix_lookahead.flat();
  return {
    benchmark: "mixing-family",
    family: "qwen2.5-coder: the trained demo models with its vocabularies and cost profile (testmodels/trained-family.ts)",
    strategy: "contrastive (expert: general as 7b-like, amateur: weak as 0.5b-like), greedy",
    top_k: o.topK,
    tokens_per_run: o.tokens,
    prompts: prompts.length,
    prompt_bytes: prompts.map((p) => Buffer.byteLength(p)),
    repeats: o.repeats,
    threads_per_model: 1,
    cpu_cores: cpus().length,
    load_average_1m: round(loadavg()[0] ?? 0, 2),
    vocab_sizes: { amateur: made.amateur.vocab.tokens.length, expert: made.expert.vocab.tokens.length },
    shared_ids: QWEN_REAL_TOKENS,
    shapes: { amateur: made.amateur.shape, expert: made.expert.shape },
    macs_per_token: { amateur: made.amateur.macsPerToken, expert: made.expert.macsPerToken },
    compute_ratio: round(made.expert.macsPerToken / made.amateur.macsPerToken, 2),
    model_bytes: { amateur: made.amateur.bytes, expert: made.expert.bytes },
    tokens_per_s: Object.fromEntries(CONFIGS.map((c) => [c, stats(perRound(c))])),
    mix_speed_ratio: stats(ratio("mix", "expert"), 3),
    js_ms_per_token: round(sum(mixRounds, "js") / steps, 4),
    eval_ms_per_token: round(sum(mixRounds, "ev") / steps, 4),
    lane_overlap: round(median(mixRounds.map((r) => r.overlap)), 2),
    lookahead: {
      drafts_per_step: DEFAULT_LOOKAHEAD,
      mix_over_plain_expert: stats(ratio("mix_lookahead", "expert"), 3),
      mix_over_expert_lookahead: stats(ratio("mix_lookahead", "expert_lookahead"), 3),
      expert_speedup: stats(ratio("expert_lookahead", "expert"), 3),
      mix_speedup: stats(ratio("mix_lookahead", "mix"), 3),
      draft_acceptance: round(sum(aheadRuns, "accepted") / Math.max(1, sum(aheadRuns, "drafts")), 3),
      drafts_checked_per_token: round(sum(aheadRuns, "drafts") / sum(aheadRuns, "tokens"), 3),
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function stats(xs: number[], digits = 1) {
  return { median: round(median(xs), digits), min: round(Math.min(...xs), digits), max: round(Math.max(...xs), digits) };
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
