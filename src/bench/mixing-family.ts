// `chorus bench mixing --family qwen2.5-coder`: what mixing costs on the pair users try first — a Qwen2.5-Coder
// 0.5b-shaped amateur (151,936 ids, tied output) under a 7b-shaped expert (152,064 ids, untied, over 8× the
// amateur's parameters), with contrastive decoding. The models are random-weight stand-ins (testmodels/
// families.ts): real vocabulary sizes and padding, small widths, so the figures show the vocabulary's share of the
// cost (the output matrix, the read-outs, the padding each read must skip), not a real 7b's speed.
//
// expert_tokens_per_s, amateur_tokens_per_s = each model alone as the sidecar serves it (top-K read, lookahead off).
// mix_tokens_per_s      = the contrastive mix (expert − amateur), top K, lookahead off, KV prefix reuse off.
// mix_speed_ratio       = mix / expert alone: what adding the amateur costs (the expert is the slower model).
// entries_read          = entries each lane reads a step: K plus the ids it must drop (padding and the ids the
//                         other model lacks), so that K usable entries remain (mixing/lockstep.ts).
// js_ms_per_token, eval_ms_per_token, lane_overlap as in bench/mixing.ts. Best of `repeats` interleaved rounds.
// lookahead             = the same with lookahead decoding on for both (the sidecar's default drafts, looked up in the
//                         code prompt and reply), like with like as in bench/mixing.ts: the expert alone and the mix,
//                         their ratio (the target: ≥ 0.9 with lookahead on code), and the share of drafts kept.
//                         These are random-weight stand-ins, whose greedy replies cycle: a best case for the lookup.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createMixer } from "../sidecar/mixing/mixer";
import { LoadedModel } from "../sidecar/registry/loaded-model";
import { makeQwenCoderModel, QWEN_REAL_TOKENS } from "../sidecar/testmodels/families";
import { DEFAULT_LOOKAHEAD } from "../sidecar/mixing/lookahead";
import { mixRun, sidecarSingleRun, type MixRun } from "./mixing";

export interface FamilyBenchOptions {
  tokens: number;
  repeats: number;
  topK: number;
  dir?: string;
  log?: (line: string) => void;
}

const AMATEUR = { size: "0.5b", dim: 64, layers: 2 } as const;
const EXPERT = { size: "7b", dim: 256, layers: 4 } as const;

/** Weights of a llama-shaped model as families.ts builds it (heads 4, kv heads 2, ffn 2·dim). */
function parameters(vocab: number, dim: number, layers: number, tied: boolean): number {
  const kv = dim / 2;
  const perLayer = 2 * dim * dim + 2 * dim * kv + 3 * dim * (2 * dim) + 2 * dim;
  return vocab * dim * (tied ? 1 : 2) + layers * perLayer + dim;
}

export async function benchFamilyPair(o: FamilyBenchOptions) {
  const log = o.log ?? (() => undefined);
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), "chorus-bench-family-"));
  const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  try {
    log("generating the 0.5b-shaped amateur and the 7b-shaped expert");
    const amateur = await makeQwenCoderModel({ out: join(dir, "qwen-0.5b-shaped.gguf"), seed: 1, ...AMATEUR });
    const expert = await makeQwenCoderModel({ out: join(dir, "qwen-7b-shaped.gguf"), seed: 2, ...EXPERT });
    const contextSize = o.tokens + 128;
    const models = {
      amateur: await llama.loadModel({ modelPath: amateur.path, gpuLayers: 0 }),
      expert: await llama.loadModel({ modelPath: expert.path, gpuLayers: 0 }),
    };
    const served = {
      amateur: await LoadedModel.load(llama, "amateur", amateur.path, { threads: 1, maxContext: contextSize, gpu: false }),
      expert: await LoadedModel.load(llama, "expert", expert.path, { threads: 1, maxContext: contextSize, gpu: false }),
    };
    const spec = { strategy: "contrastive", expert: "expert", amateur: "amateur", topK: o.topK } as const;
    const mixer = await createMixer(spec, models, { threads: 1, contextSize, reusePrefix: false, lookahead: 0 });
    const ahead = await createMixer(spec, models, { threads: 1, contextSize, reusePrefix: false, lookahead: DEFAULT_LOOKAHEAD });
    try {
      const single: Record<"amateur" | "expert", number[]> = { amateur: [], expert: [] };
      const mixes: MixRun[] = [];
      const expertAhead: number[] = [];
      const mixesAhead: MixRun[] = [];
      for (const m of [mixer, ahead]) await mixRun(m, 8).catch(() => undefined); // warm-up (8 tokens may end early: not measured)
      for (let r = 0; r < o.repeats; r++) {
        for (const name of ["amateur", "expert"] as const) single[name].push(await sidecarSingleRun(served[name], o.tokens, o.topK, 0));
        mixes.push(await mixRun(mixer, o.tokens));
        expertAhead.push(await sidecarSingleRun(served.expert, o.tokens, o.topK, DEFAULT_LOOKAHEAD));
        mixesAhead.push(await mixRun(ahead, o.tokens));
        log(`round ${r + 1}/${o.repeats} done`);
      }
      const bestAhead = [...mixesAhead].sort((a, b) => b.tps - a.tps)[0]!;
      const best = [...mixes].sort((a, b) => b.tps - a.tps)[0]!;
      const expertTps = Math.max(...single.expert);
      const lanes = Object.fromEntries(mixer.lanes.map((l) => [l.role, l.model]));
      const sizes = { amateur: amateur.shape.vocabSize, expert: expert.shape.vocabSize };
      return {
        benchmark: "mixing-family",
        family: "qwen2.5-coder (random-weight stand-ins with the real vocabularies)",
        strategy: "contrastive (expert 7b-shaped, amateur 0.5b-shaped), greedy",
        top_k: o.topK,
        tokens_per_run: o.tokens,
        repeats: o.repeats,
        threads_per_model: 1,
        cpu_cores: cpus().length,
        load_average_1m: round(loadavg()[0] ?? 0, 2),
        vocab_sizes: sizes,
        shared_ids: QWEN_REAL_TOKENS,
        parameter_ratio: round(parameters(sizes.expert, EXPERT.dim, EXPERT.layers, false) / parameters(sizes.amateur, AMATEUR.dim, AMATEUR.layers, true), 2),
        model_bytes: { amateur: amateur.bytes, expert: expert.bytes },
        entries_read: { amateur: o.topK + sizes.amateur - QWEN_REAL_TOKENS, expert: o.topK + sizes.expert - QWEN_REAL_TOKENS },
        amateur_tokens_per_s: round(Math.max(...single.amateur)),
        expert_tokens_per_s: round(expertTps),
        mix_tokens_per_s: round(best.tps),
        mix_speed_ratio: round(best.tps / expertTps, 3),
        js_ms_per_token: round(best.js, 4),
        eval_ms_per_token: round(best.ev, 4),
        lane_overlap: round(best.overlap, 2),
        lanes,
        lookahead: {
          drafts_per_step: DEFAULT_LOOKAHEAD,
          expert_tokens_per_s: round(Math.max(...expertAhead)),
          mix_tokens_per_s: round(bestAhead.tps),
          mix_speed_ratio: round(bestAhead.tps / Math.max(...expertAhead), 3),
          draft_acceptance: round(bestAhead.acceptance, 3),
        },
      };
    } finally {
      await ahead.dispose();
      await mixer.dispose();
      for (const m of Object.values(served)) await m.dispose();
      for (const m of Object.values(models)) await m.dispose();
    }
  } finally {
    if (!o.dir) rmSync(dir, { recursive: true, force: true });
  }
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
