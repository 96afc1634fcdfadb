// The derived figures of `chorus bench quality` (issue #19, item 4), each a ratio of rows measured in the same run,
// with whether its target is met. A figure is null when a row it needs is missing or infinite; `met` is then null.
import type { Language } from "./quality-data";

export type Column = Language | "mixed";

export interface RowFigures {
  name: string;
  kind: "single" | "mix" | "merge" | "optimize";
  bits_per_byte: Record<Column, number | null>;
  /** optimize rows: the weights the search chose, in the order ts-expert, py-expert. */
  optimized_weights?: number[];
}

export interface Targets {
  product_below_better_expert: { product: number | null; better_expert: number | null; ratio: number | null; met: boolean | null };
  merge_gain_kept: Record<string, { typescript: number | null; python: number | null; met: boolean | null }>;
  merge_gain_kept_met: boolean | null;
  proxy_tuning_gap_recovered: { value: number | null; met: boolean | null };
  optimize: { weights: number[] | null; favours_expert: boolean | null; bits_per_byte: number | null; plain_merge: number | null; improves: boolean | null };
  explanation: Record<string, string>;
}

const PRODUCT_ROW = "product(ts-expert, py-expert) ½,½";
const PROXY_ROW = "proxy-tuning general + (weak-ts − weak)";
const PLAIN_MERGE_ROW = "merge task_arithmetic ½,½";
const GAIN_TARGET = 0.8;
const GAP_TARGET = 0.5;
/** Bits/byte differences below this are float noise of two near-identical models, not an improvement. */
const SAME_BITS = 1e-4;

function bpb(rows: readonly RowFigures[], name: string, column: Column): number | null {
  return rows.find((r) => r.name === name)?.bits_per_byte[column] ?? null;
}

/**
 * (from − to) / (from − best): the share of the way from `from` to `best` that `to` goes. Null when `best` is no
 * better than `from`: there is no gain to keep (say so rather than divide by it).
 */
function shareOfGap(from: number | null, to: number | null, best: number | null): number | null {
  if (from === null || to === null || best === null || best >= from) return null;
  return (from - to) / (from - best);
}

const allMet = (values: readonly (boolean | null)[]): boolean | null => (values.some((v) => v === null) ? null : values.every(Boolean));

export function deriveTargets(rows: readonly RowFigures[]): Targets {
  const product = bpb(rows, PRODUCT_ROW, "mixed");
  const experts = [bpb(rows, "ts-expert", "mixed"), bpb(rows, "py-expert", "mixed")].filter((v): v is number => v !== null);
  const better = experts.length === 2 ? Math.min(...experts) : null;
  const ratio = product !== null && better !== null ? product / better : null;

  const mergeGain: Targets["merge_gain_kept"] = {};
  for (const row of rows.filter((r) => r.kind === "merge" || r.kind === "optimize")) {
    const typescript = shareOfGap(bpb(rows, "general", "typescript"), row.bits_per_byte.typescript, bpb(rows, "ts-expert", "typescript"));
    const python = shareOfGap(bpb(rows, "general", "python"), row.bits_per_byte.python, bpb(rows, "py-expert", "python"));
    mergeGain[row.name] = { typescript, python, met: typescript === null || python === null ? null : typescript >= GAIN_TARGET && python >= GAIN_TARGET };
  }
  // The target asks it of a task-arithmetic or a TIES merge: any of those rows meeting it meets it.
  const eligible = Object.entries(mergeGain).filter(([name]) => /task_arithmetic|ties/.test(name) && !/dare|optimize/.test(name));
  const mergeMet = eligible.length === 0 ? null : eligible.some(([, g]) => g.met === true) ? true : allMet(eligible.map(([, g]) => g.met));

  const gap = shareOfGap(bpb(rows, "general", "typescript"), bpb(rows, PROXY_ROW, "typescript"), bpb(rows, "ts-expert", "typescript"));

  const optimizeRow = rows.find((r) => r.kind === "optimize");
  const weights = optimizeRow?.optimized_weights ?? null;
  const optimized = optimizeRow?.bits_per_byte.typescript ?? null;
  const plain = bpb(rows, PLAIN_MERGE_ROW, "typescript");
  return {
    product_below_better_expert: { product, better_expert: better, ratio, met: product === null || better === null ? null : product < better - SAME_BITS },
    merge_gain_kept: mergeGain,
    merge_gain_kept_met: mergeMet,
    proxy_tuning_gap_recovered: { value: gap, met: gap === null ? null : gap >= GAP_TARGET },
    optimize: {
      weights,
      favours_expert: weights ? weights[0]! > weights[1]! : null,
      bits_per_byte: optimized,
      plain_merge: plain,
      improves: optimized === null || plain === null ? null : plain - optimized > SAME_BITS,
    },
    explanation: {
      product_below_better_expert: `mixed-code bits/byte of "${PRODUCT_ROW}" over the better of ts-expert and py-expert; met when below 1 (by more than ${SAME_BITS} bits/byte)`,
      merge_gain_kept: `per merge and language: (general − merge) / (general − that language's expert), bits/byte on that language; the target (≥ ${GAIN_TARGET} on both) is met when a task_arithmetic or ties row meets it; null where the expert is no better than general on its language (no gain to keep)`,
      proxy_tuning_gap_recovered: `TypeScript bits/byte: (general − proxy-tuned) / (general − ts-expert), the untuned and the tuned large model; met at ≥ ${GAP_TARGET}; null where ts-expert is no better than general`,
      optimize: `the task_arithmetic weights (ts-expert, py-expert) searched on a TypeScript sample disjoint from the scored files; favours_expert when ts-expert's weight is the larger, improves when its TypeScript bits/byte is below "${PLAIN_MERGE_ROW}" by more than ${SAME_BITS}`,
    },
  };
}

/** The best single model per column (lowest bits/byte). */
export function referenceRows(rows: readonly RowFigures[]): Record<Column, { row: string; bits_per_byte: number } | null> {
  const best = (column: Column) => {
    let found: { row: string; bits_per_byte: number } | null = null;
    for (const r of rows) {
      const v = r.bits_per_byte[column];
      if (r.kind === "single" && v !== null && (found === null || v < found.bits_per_byte)) found = { row: r.name, bits_per_byte: v };
    }
    return found;
  };
  return { typescript: best("typescript"), python: best("python"), mixed: best("mixed") };
}

/**
 * Mixed-code bits/byte if each language were scored by its own expert (an oracle that knows the language): the
 * figure a per-language router could reach, from the experts' rows and the bytes of each language.
 */
export function rightExpertPerLanguage(rows: readonly RowFigures[], bytes: Record<Language, number>): number | null {
  const ts = bpb(rows, "ts-expert", "typescript");
  const py = bpb(rows, "py-expert", "python");
  if (ts === null || py === null) return null;
  return (ts * bytes.typescript + py * bytes.python) / (bytes.typescript + bytes.python);
}
