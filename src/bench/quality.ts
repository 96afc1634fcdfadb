// `chorus bench quality`: how well each single model, each mixing strategy and each merge of the language experts
// predicts held-out code, in bits per byte (TypeScript, Python, and both pooled as "mixed"), with next-line exact
// match by greedy decoding, the best single model per column as the reference, and the ratios of issue #19 item 4.
// Every row is scored in-process through a Mixer (quality-score.ts) with the exact distribution: each lane's whole
// vocabulary, temperature 1, no top-K. Merges are written to a temp folder with the project's merge engine, scored
// the same way, and deleted. `--optimize` searches task-arithmetic weights on a sample of one language that is
// disjoint from the scored text (quality-data.ts), measuring candidates with merge/cross-entropy.ts (also exact).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import type { LlamaModel } from "node-llama-cpp";
import { createMixer } from "../sidecar/mixing/mixer";
import type { MixSpec } from "../sidecar/mixing/spec";
import { crossEntropy } from "../sidecar/merge/cross-entropy";
import { optimizeMerge } from "../sidecar/merge/optimize";
import { runMerge } from "../sidecar/merge/run";
import { getRuntime } from "../sidecar/registry/llama-runtime";
import { LANGUAGES, loadHeldOut, utf8Bytes, type HeldOutSet, type Language } from "./quality-data";
import { alone, mergePlanOf, mixSpecOf, MODEL_NAMES, rowDefinitions, type ModelName, type RowDef } from "./quality-rows";
import {
  addScores,
  bitsPerByte,
  emptyScore,
  nextLineCases,
  nextLineExact,
  scoreTexts,
  scoringWindow,
  type NextLineCase,
  type RowMixers,
  type ScoringWindow,
} from "./quality-score";
import { deriveTargets, referenceRows, rightExpertPerLanguage, type Column, type RowFigures } from "./quality-targets";

export interface QualityOptions {
  modelsDir: string;
  heldoutDir: string;
  /** Bytes scored per language at most (default 16 KiB). */
  maxBytes?: number;
  /** Bytes of the optimisation sample at most (default 8 KiB). */
  sampleBytes?: number;
  /** Tokens per scoring window (default 256; never more than the models' context). */
  window?: number;
  /** Lines per language for next-line exact match (default 8; 0 = none). */
  nextLines?: number;
  /** Type of the merged models (default f32: the merge of what the inputs hold, without a second rounding). */
  mergeDtype?: string;
  /** Merges the optimisation may evaluate (default 7). */
  evaluations?: number;
  /** Which rows to run, by name (default: all). */
  only?: (rowName: string) => boolean;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface QualityRow extends RowFigures {
  /** Tokens given probability 0 / tokens scored, per column (contrastive decoding's plausibility cut). */
  ruled_out_share?: Record<Column, number>;
  /** Lines written exactly / lines tried, per column. */
  next_line_exact: Record<Column, number | null>;
  spec?: MixSpec;
  merge?: { method: string; models: string[]; base?: string; parameters: unknown; seed: number; dtype: string; tried?: unknown };
  seconds: number;
}

const NEXT_LINE_TOKENS = 64;

const bytesOf = (texts: readonly { text: string }[]) => texts.reduce((s, t) => s + utf8Bytes(t.text), 0);

function loadModels(dir: string): Promise<Map<ModelName, LlamaModel>> {
  return (async () => {
    const llama = await getRuntime({ gpu: false });
    const models = new Map<ModelName, LlamaModel>();
    for (const name of MODEL_NAMES) {
      const file = path.join(dir, `${name}.gguf`);
      if (existsSync(file)) models.set(name, await llama.loadModel({ modelPath: file, gpuLayers: 0 }));
    }
    const missing = (["general", "ts-expert", "py-expert"] as const).filter((m) => !models.has(m));
    if (missing.length > 0) {
      for (const m of models.values()) await m.dispose();
      throw new Error(
        `${dir} lacks ${missing.map((m) => `${m}.gguf`).join(", ")}: give --models a folder with general.gguf, ts-expert.gguf and py-expert.gguf (and weak.gguf, weak-ts.gguf for the mixes); \`chorus make-test-models --out <dir>\` writes bigram ones`,
      );
    }
    return models;
  })();
}

interface Measured {
  figures: Pick<QualityRow, "bits_per_byte" | "ruled_out_share" | "next_line_exact">;
}

async function measure(m: RowMixers, held: HeldOutSet, cases: Record<Language, NextLineCase[]>, w: ScoringWindow, signal?: AbortSignal): Promise<Measured> {
  const scores = {} as Record<Language, ReturnType<typeof emptyScore>>;
  const exact = {} as Record<Language, number>;
  for (const language of LANGUAGES) {
    scores[language] = await scoreTexts(m, held.scored[language], w, signal);
    exact[language] = await nextLineExact(m, cases[language], w, NEXT_LINE_TOKENS, signal);
  }
  const mixed = addScores(scores.typescript, scores.python);
  const share = (s: typeof mixed) => (s.tokens === 0 ? 0 : s.ruledOut / s.tokens);
  const tried = (l: Language) => cases[l].length;
  const rate = (k: number, n: number) => (n === 0 ? null : k / n);
  const anyRuledOut = mixed.ruledOut > 0;
  return {
    figures: {
      bits_per_byte: { typescript: bitsPerByte(scores.typescript), python: bitsPerByte(scores.python), mixed: bitsPerByte(mixed) },
      ...(anyRuledOut ? { ruled_out_share: { typescript: share(scores.typescript), python: share(scores.python), mixed: share(mixed) } } : {}),
      next_line_exact: {
        typescript: rate(exact.typescript, tried("typescript")),
        python: rate(exact.python, tried("python")),
        mixed: rate(exact.typescript + exact.python, tried("typescript") + tried("python")),
      },
    },
  };
}

/** Score under mixers made from specs over `models`, then free them. */
async function measureSpecs(specs: { main: MixSpec; noContext?: MixSpec }, models: Readonly<Record<string, LlamaModel>>, ctx: RunContext): Promise<Measured> {
  const options = { contextSize: ctx.windowTokens, threads: 1 };
  const main = await createMixer(specs.main, models, options);
  try {
    const noContext = specs.noContext ? await createMixer(specs.noContext, models, options) : undefined;
    try {
      return await measure({ main, noContext }, ctx.held, ctx.cases, ctx.window, ctx.signal);
    } finally {
      await noContext?.dispose();
    }
  } finally {
    await main.dispose();
  }
}

interface RunContext {
  held: HeldOutSet;
  cases: Record<Language, NextLineCase[]>;
  window: ScoringWindow;
  windowTokens: number;
  models: Map<ModelName, LlamaModel>;
  modelsDir: string;
  tmp: string;
  mergeDtype: string;
  evaluations: number;
  log: (line: string) => void;
  signal?: AbortSignal;
}

async function measureMergedFile(file: string, ctx: RunContext): Promise<Measured> {
  const llama = await getRuntime({ gpu: false });
  const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
  try {
    return await measureSpecs({ main: alone("merged") }, { merged: model }, ctx);
  } finally {
    await model.dispose();
    rmSync(file, { force: true });
  }
}

async function runRow(row: RowDef, ctx: RunContext): Promise<Omit<QualityRow, "seconds">> {
  const modelPath = (m: ModelName) => path.join(ctx.modelsDir, `${m}.gguf`);
  if (row.kind === "single" || row.kind === "mix") {
    const spec = mixSpecOf(row);
    const models = Object.fromEntries(row.needs.map((n) => [n, ctx.models.get(n)!]));
    const r = await measureSpecs({ main: spec, noContext: row.kind === "mix" ? row.noContext : undefined }, models, ctx);
    return { name: row.name, kind: row.kind, ...r.figures, spec };
  }
  const plan = mergePlanOf(row, modelPath, ctx.mergeDtype);
  const out = path.join(ctx.tmp, `${row.kind}-${row.method}.gguf`);
  const merge = {
    method: plan.method,
    models: plan.models.map((m) => path.basename(m.path)),
    base: plan.base && path.basename(plan.base),
    parameters: plan.models.map((m) => m.parameters),
    seed: plan.seed ?? 0,
    dtype: ctx.mergeDtype,
  };
  if (row.kind === "merge") {
    await runMerge({ plan, out, signal: ctx.signal });
    const r = await measureMergedFile(out, ctx);
    return { name: row.name, kind: row.kind, ...r.figures, merge };
  }
  const texts = ctx.held.optimizeSample.map((t) => t.text);
  if (texts.length === 0)
    throw new Error(`no ${ctx.held.optimizeLanguage} text is left outside the scored files for --optimize: add a held-out file or lower --max-kb`);
  const report = await optimizeMerge({
    plan,
    target: "weights",
    texts,
    out,
    evaluations: ctx.evaluations,
    evaluate: async (file, sample, signal) => (await crossEntropy(file, sample, { threads: 1, contextSize: ctx.windowTokens, signal })).bitsPerByte,
    signal: ctx.signal,
    onStatus: (line) => ctx.log(`  ${line}`),
  });
  const r = await measureMergedFile(out, ctx);
  return { name: row.name, kind: row.kind, ...r.figures, optimized_weights: report.best.value, merge: { ...merge, tried: report.tried } };
}

export async function benchQuality(o: QualityOptions) {
  const started = performance.now();
  const log = o.log ?? (() => undefined);
  const maxBytes = o.maxBytes ?? 16 * 1024;
  const held = loadHeldOut({ dir: o.heldoutDir, maxBytes, sampleBytes: o.sampleBytes ?? 8 * 1024 });
  const models = await loadModels(o.modelsDir);
  const tmp = mkdtempSync(path.join(tmpdir(), "chorus-quality-"));
  try {
    const windowTokens = Math.min(o.window ?? 256, ...[...models.values()].map((m) => m.trainContextSize));
    const window = scoringWindow(windowTokens);
    if (window.pieceBytes <= NEXT_LINE_TOKENS * 1.5)
      throw new Error(`the scoring window (${windowTokens} tokens) is too small for next-line completions: use --window 160 or more`);
    const nextLines = o.nextLines ?? 8;
    const cases = Object.fromEntries(LANGUAGES.map((l) => [l, nextLineCases(held.scored[l], nextLines, NEXT_LINE_TOKENS)])) as Record<Language, NextLineCase[]>;
    const ctx: RunContext = {
      held,
      cases,
      window,
      windowTokens,
      models,
      modelsDir: o.modelsDir,
      tmp,
      mergeDtype: o.mergeDtype ?? "f32",
      evaluations: o.evaluations ?? 7,
      log,
      signal: o.signal,
    };
    const rows: QualityRow[] = [];
    const skipped: { row: string; reason: string }[] = [];
    for (const row of rowDefinitions()) {
      if (o.only && !o.only(row.name)) continue;
      const missing = row.needs.filter((n) => !models.has(n));
      if (missing.length > 0) {
        skipped.push({ row: row.name, reason: `${missing.map((m) => `${m}.gguf`).join(", ")} not in ${o.modelsDir}` });
        continue;
      }
      log(`${row.name}…`);
      const t0 = performance.now();
      rows.push({ ...(await runRow(row, ctx)), seconds: Math.round(performance.now() - t0) / 1000 });
    }
    return {
      benchmark: "quality",
      scoring: {
        distribution: "exact: every lane's whole vocabulary read, temperature 1, no top-K (mixer.score, teacher forcing)",
        bits_per_byte:
          "Σ −log₂ p(token) over the scored text / its UTF-8 bytes; mixed pools both languages' bits and bytes; null where a token got probability 0 (see ruled_out_share)",
        window: { tokens: windowTokens, context_bytes: window.contextBytes, piece_bytes: window.pieceBytes },
        windows:
          "each file is scored in pieces, each after up to context_bytes of the file before it (the request's context); a file's first piece has none, and context-contrastive decoding then equals the model alone, which scores it",
        next_line: `greedy decoding (temperature 0, exact candidates) of up to ${NEXT_LINE_TOKENS} tokens after the text before a line, stopped at a newline; exact when it writes the line`,
        optimize:
          "task_arithmetic weights searched (scale included) with merge/cross-entropy.ts (exact, windows restarted from BOS) on the optimize sample only",
      },
      models_dir: o.modelsDir,
      heldout: {
        dir: o.heldoutDir,
        max_bytes_per_language: maxBytes,
        ...(Object.fromEntries(
          LANGUAGES.map((l) => [l, { files: held.scored[l].map((t) => t.file), bytes: bytesOf(held.scored[l]), next_lines: cases[l].length }]),
        ) as Record<Language, { files: string[]; bytes: number; next_lines: number }>),
        optimize_sample: {
          language: held.optimizeLanguage,
          files: held.optimizeSample.map((t) => t.file),
          bytes: bytesOf(held.optimizeSample),
          disjoint_from_scored: true,
        },
      },
      rows,
      reference: referenceRows(rows),
      /** Mixed-code bits/byte with each language scored by its own expert (an oracle router's figure). */
      right_expert_per_language: rightExpertPerLanguage(rows, { typescript: bytesOf(held.scored.typescript), python: bytesOf(held.scored.python) }),
      targets: deriveTargets(rows),
      skipped,
      load_average_1m: loadavg()[0],
      seconds: Math.round(performance.now() - started) / 1000,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    for (const m of models.values()) await m.dispose();
  }
}

export type QualityReport = Awaited<ReturnType<typeof benchQuality>>;
