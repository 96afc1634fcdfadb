// `chorus bench quality` on bigram GGUFs, whose next-byte distributions are known in closed form: each row's
// bits/byte must be the formula's value computed from the bigram tables alone (independently of llama.cpp and of
// the mixing code), for single models, the mixing strategies, the linear and task-arithmetic merges (a bigram's
// logits are its output matrix's rows, so a linear merge of the matrices is a weighted sum of log-tables) and the
// optimised merge with the weights it reports; the split of the held-out text must keep the optimisation sample
// out of the scored text; the reference and the item-4 ratios must follow from the rows.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { benchQuality, type QualityReport, type QualityRow } from "../../../src/bench/quality";
import { loadHeldOut, type HeldOutSet, type Language } from "../../../src/bench/quality-data";
import { nextLineCases, piecesByBytes, scoringWindow } from "../../../src/bench/quality-score";
import { makeBigramModel, type BigramTable } from "../../../src/sidecar/testmodels/bigram";
import { BOS_ID, byteTokens } from "../../../src/sidecar/testmodels/byte-vocab";
import { CORPORA, logSumExp, TRAIN_PY, TRAIN_TS } from "../mixing/helpers";

const WINDOW = 160; // several pieces per file, so the context between pieces is exercised
const MAX_BYTES = 900;
const OPTIONS = { maxBytes: MAX_BYTES, sampleBytes: 600 };
const TOL = 2e-3; // bits/byte: llama.cpp computes the logits in f32

let dir: string;
let report: QualityReport;
let held: HeldOutSet;
const tables: Record<string, BigramTable> = {};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorus-quality-"));
  const models = join(dir, "models");
  mkdirSync(models);
  const recipes: Record<string, { corpus: string[]; smoothing: number }> = {
    general: { corpus: [...TRAIN_TS, ...TRAIN_PY], smoothing: 0.1 },
    "ts-expert": { corpus: TRAIN_TS, smoothing: 0.1 },
    "py-expert": { corpus: TRAIN_PY, smoothing: 0.1 },
    weak: { corpus: [...TRAIN_TS, ...TRAIN_PY], smoothing: 5 },
    "weak-ts": { corpus: TRAIN_TS, smoothing: 5 },
  };
  for (const [name, r] of Object.entries(recipes)) {
    const made = await makeBigramModel({ corpus: r.corpus, out: join(models, `${name}.gguf`), name, smoothing: r.smoothing, contextLength: 2048 });
    tables[name] = made.table;
  }
  // Two files per language, 700 bytes each: the 900-byte cap cuts the second, whose rest is the optimisation sample.
  const heldout = join(dir, "heldout");
  for (const language of ["typescript", "python"]) {
    const from = join(CORPORA, language, "heldout");
    mkdirSync(join(heldout, language), { recursive: true });
    for (const f of readdirSync(from).sort()) writeFileSync(join(heldout, language, f), readFileSync(join(from, f), "utf8").slice(0, 700));
  }
  held = loadHeldOut({ dir: heldout, ...OPTIONS });
  // The rows with a closed form (SLERP, TIES, DARE and breadcrumbs have none this test checks), to keep it short.
  const only = (name: string) => !/slerp|ties|breadcrumbs|task_arithmetic ½,½/.test(name);
  report = await benchQuality({ modelsDir: models, heldoutDir: heldout, ...OPTIONS, window: WINDOW, nextLines: 1, evaluations: 5, only });
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** log-softmax of Σ wᵢ · (log-table row of model i after `prev`), over the whole vocabulary. */
function mixedRow(models: [string, number][], prev: number): Float64Array {
  const V = tables.general!.vocabSize;
  const out = new Float64Array(V);
  for (const [m, w] of models) {
    const row = tables[m]!.row(prev);
    for (let t = 0; t < V; t++) out[t]! += w * row[t]!;
  }
  const norm = logSumExp(out);
  return out.map((x) => x - norm);
}

/** A strategy's log-probability of `next` given the byte before it in the file and whether it starts a piece after context. */
type Formula = (prev: number, next: number, pieceStartAfterContext: boolean) => number;

const weighted =
  (models: [string, number][]): Formula =>
  (prev, next) =>
    mixedRow(models, prev)[next]!;

/** Bits/byte of one language under the formula, over the same pieces the benchmark scores. */
function formulaBitsPerByte(language: Language | "mixed", f: Formula): number {
  const languages: Language[] = language === "mixed" ? ["typescript", "python"] : [language];
  const w = scoringWindow(WINDOW);
  let bits = 0;
  let bytes = 0;
  for (const l of languages)
    for (const { text } of held.scored[l]) {
      let prev = BOS_ID;
      let first = true;
      for (const piece of piecesByBytes(text, w.pieceBytes)) {
        byteTokens(piece).forEach((b, i) => {
          bits -= f(prev, b, i === 0 && !first) / Math.LN2;
          prev = b;
        });
        bytes += Buffer.byteLength(piece);
        first = false;
      }
    }
  return bits / bytes;
}

function row(name: string): QualityRow {
  const r = report.rows.find((x) => x.name === name);
  assert.ok(r, `row ${name} missing; rows: ${report.rows.map((x) => x.name).join(", ")}; skipped: ${JSON.stringify(report.skipped)}`);
  return r;
}

function assertRow(name: string, f: Formula): void {
  for (const column of ["typescript", "python", "mixed"] as const) {
    const got = row(name).bits_per_byte[column];
    const want = formulaBitsPerByte(column, f);
    assert.ok(got !== null && Math.abs(got - want) < TOL, `${name}, ${column}: the benchmark says ${got}, the formula ${want}`);
  }
}

void test("the optimisation sample is held-out text that is not scored", () => {
  assert.equal(report.heldout.optimize_sample.language, "typescript");
  assert.ok(held.optimizeSample.length > 0 && report.heldout.optimize_sample.bytes > 0);
  const scored = held.scored.typescript.map((t) => t.text).join("\u0000");
  for (const s of held.optimizeSample) assert.ok(!scored.includes(s.text), `the sample from ${s.file} is also scored`);
  assert.equal(report.heldout.typescript.bytes, MAX_BYTES);
});

void test("single models score the bigram tables' own bits/byte, and the reference is the best of them per column", () => {
  for (const m of ["general", "ts-expert", "py-expert", "weak", "weak-ts"]) assertRow(m, weighted([[m, 1]]));
  for (const column of ["typescript", "python", "mixed"] as const) {
    const singles = report.rows.filter((r) => r.kind === "single");
    const best = Math.min(...singles.map((r) => r.bits_per_byte[column]!));
    assert.equal(report.reference[column]?.bits_per_byte, best);
  }
  assert.equal(report.reference.typescript?.row, "ts-expert", "the TypeScript expert scores TypeScript best");
  assert.match(report.scoring.distribution, /^exact/);
});

void test("products, proxy-tuning and DExperts rows are their formulas over the tables", () => {
  assertRow(
    "product(ts-expert, py-expert) ½,½",
    weighted([
      ["ts-expert", 0.5],
      ["py-expert", 0.5],
    ]),
  );
  assertRow(
    "product(ts-expert, py-expert) 1,1",
    weighted([
      ["ts-expert", 1],
      ["py-expert", 1],
    ]),
  );
  assertRow(
    "proxy-tuning general + (weak-ts − weak)",
    weighted([
      ["general", 1],
      ["weak-ts", 1],
      ["weak", -1],
    ]),
  );
  assertRow(
    "dexperts general + 2·(ts-expert − py-expert)",
    weighted([
      ["general", 1],
      ["ts-expert", 2],
      ["py-expert", -2],
    ]),
  );
});

void test("deferral scores each byte under the weak model where it is confident (max p ≥ ½), else under general", () => {
  const deferral: Formula = (prev, next) => {
    const weak = tables.weak!.row(prev);
    const confident = Math.exp(Math.max(...weak)) >= 0.5;
    return (confident ? weak : tables.general!.row(prev))[next]!;
  };
  assertRow("deferral(weak → general) τ=½", deferral);
});

void test("context-contrastive decoding differs from the model only at a piece's first byte after context, by its formula", () => {
  // A bigram sees only the previous token: without the context, a piece's first byte follows BOS.
  const ccd: Formula = (prev, next, startAfterContext) => (startAfterContext ? ccdFirst(prev, next) : mixedRow([["general", 1]], prev)[next]!);
  assertRow("context-contrastive(general)", ccd);
  assert.notEqual(row("context-contrastive(general)").bits_per_byte.mixed, row("general").bits_per_byte.mixed);
});

/** (1+β)·log p(·|prev) − β·log p(·|BOS), β = ½, renormalised. */
function ccdFirst(prev: number, next: number): number {
  const withCtx = tables.general!.row(prev);
  const without = tables.general!.row(BOS_ID);
  const s = withCtx.map((x, t) => 1.5 * x - 0.5 * without[t]!);
  return s[next]! - logSumExp(s);
}

void test("contrastive decoding's plausibility cut gives some true bytes probability 0: no finite bits/byte, and the share is the tables'", () => {
  const r = row("contrastive(ts-expert − weak)");
  assert.equal(r.bits_per_byte.mixed, null);
  let cut = 0;
  let n = 0;
  for (const l of ["typescript", "python"] as const)
    for (const { text } of held.scored[l]) {
      let prev = BOS_ID;
      for (const b of byteTokens(text)) {
        const lp = tables["ts-expert"]!.row(prev);
        if (lp[b]! < Math.max(...lp) + Math.log(0.1)) cut++;
        prev = b;
        n++;
      }
    }
  assert.ok(cut > 0);
  assert.ok(Math.abs(r.ruled_out_share!.mixed - cut / n) < 1e-9, `ruled out ${r.ruled_out_share!.mixed} vs ${cut / n}`);
});

void test("linear and task-arithmetic merges score as the weighted sums of the log-tables they are", () => {
  assertRow(
    "merge linear ½,½",
    weighted([
      ["ts-expert", 0.5],
      ["py-expert", 0.5],
    ]),
  );
  assertRow(
    "merge task_arithmetic 1,1",
    weighted([
      ["general", -1],
      ["ts-expert", 1],
      ["py-expert", 1],
    ]),
  );
});

void test("--optimize on TypeScript favours the TypeScript expert, and its row is the merge with the weights it reports", () => {
  const r = row("merge task_arithmetic --optimize weights");
  const [wTs, wPy] = r.optimized_weights!;
  assert.ok(wTs! > wPy!, `weights ${wTs}, ${wPy}`);
  assertRow(
    r.name,
    weighted([
      ["general", 1 - wTs! - wPy!],
      ["ts-expert", wTs!],
      ["py-expert", wPy!],
    ]),
  );
  assert.equal(report.targets.optimize.favours_expert, true);
});

void test("the item-4 ratios are computed from the rows", () => {
  const t = report.targets;
  const better = Math.min(row("ts-expert").bits_per_byte.mixed!, row("py-expert").bits_per_byte.mixed!);
  assert.equal(t.product_below_better_expert.ratio, row("product(ts-expert, py-expert) ½,½").bits_per_byte.mixed! / better);
  const g = row("general").bits_per_byte.typescript!;
  const e = row("ts-expert").bits_per_byte.typescript!;
  const p = row("proxy-tuning general + (weak-ts − weak)").bits_per_byte.typescript!;
  assert.equal(t.proxy_tuning_gap_recovered.value, e < g ? (g - p) / (g - e) : null);
  const bytes = { typescript: report.heldout.typescript.bytes, python: report.heldout.python.bytes };
  const oracle =
    (row("ts-expert").bits_per_byte.typescript! * bytes.typescript + row("py-expert").bits_per_byte.python! * bytes.python) / (bytes.typescript + bytes.python);
  assert.ok(Math.abs(report.right_expert_per_language! - oracle) < 1e-12);
  assert.deepEqual(report.skipped, []);
});

/** What greedy decoding writes after a newline under the formula: argmax bytes until a newline, EOS or 64 tokens. */
function greedyLine(models: [string, number][]): string {
  const out: number[] = [];
  let prev = 10;
  while (out.length < 64) {
    const lp = mixedRow(models, prev);
    const best = lp.indexOf(Math.max(...lp));
    if (best === 10 || best >= 256) break;
    out.push(best);
    prev = best;
  }
  return Buffer.from(out).toString("utf8");
}

void test("next-line exact match is what greedy decoding of the formula writes, line by line", () => {
  for (const [name, models] of [
    ["ts-expert", [["ts-expert", 1]]],
    ["general", [["general", 1]]],
    [
      "product(ts-expert, py-expert) ½,½",
      [
        ["ts-expert", 0.5],
        ["py-expert", 0.5],
      ],
    ],
  ] as [string, [string, number][]][]) {
    for (const language of ["typescript", "python"] as const) {
      const cases = nextLineCases(held.scored[language], 1, 64);
      assert.equal(cases.length, 1);
      // Every case follows a newline, and a bigram sees only the byte before: the greedy line is the same for all.
      const want = cases.filter((c) => c.line === greedyLine(models)).length / cases.length;
      assert.equal(row(name).next_line_exact[language], want, `${name}, ${language}: greedy writes ${JSON.stringify(greedyLine(models))}`);
    }
  }
});
