// The item-4 ratios of `chorus bench quality` from rows of known figures: which merge meets the gain target, when a
// ratio has no meaning (an expert no better than the base), and that float noise is not an improvement.
import assert from "node:assert/strict";
import { test } from "node:test";
import { deriveTargets, referenceRows, type RowFigures } from "../../../src/bench/quality-targets";

const row = (name: string, kind: RowFigures["kind"], typescript: number, python: number, mixed = (typescript + python) / 2): RowFigures => ({
  name,
  kind,
  bits_per_byte: { typescript, python, mixed },
});

const BASE_ROWS = [row("general", "single", 3, 3), row("ts-expert", "single", 2, 4), row("py-expert", "single", 4, 2)];

void test("a TIES merge that keeps 90% of both gains meets the target; a task-arithmetic one keeping 50% does not", () => {
  const t = deriveTargets([...BASE_ROWS, row("merge task_arithmetic 1,1", "merge", 2.5, 2.5), row("merge ties density ½", "merge", 2.1, 2.1)]);
  assert.deepEqual(t.merge_gain_kept["merge task_arithmetic 1,1"], { typescript: 0.5, python: 0.5, met: false });
  assert.ok(Math.abs(t.merge_gain_kept["merge ties density ½"]!.typescript! - 0.9) < 1e-12);
  assert.equal(t.merge_gain_kept_met, true);
});

void test("with an expert no better than the base on its language, the gain kept and the gap recovered are null, not a division by ~0", () => {
  const rows = [
    row("general", "single", 3, 3),
    row("ts-expert", "single", 3, 4),
    row("py-expert", "single", 4, 2.5),
    row("merge ties density ½", "merge", 2.9, 2.6),
  ];
  rows.push(row("proxy-tuning general + (weak-ts − weak)", "mix", 2.8, 3));
  const t = deriveTargets(rows);
  assert.equal(t.merge_gain_kept["merge ties density ½"]!.typescript, null);
  assert.equal(t.merge_gain_kept["merge ties density ½"]!.met, null);
  assert.equal(t.proxy_tuning_gap_recovered.value, null);
});

void test("the product target compares with the better expert on mixed code; a difference within float noise is no improvement", () => {
  const rows = [...BASE_ROWS, row("product(ts-expert, py-expert) ½,½", "mix", 2.5, 2.5, 2.9), row("merge task_arithmetic ½,½", "merge", 2.6, 2.6)];
  rows.push({ ...row("merge task_arithmetic --optimize weights", "optimize", 2.6 - 1e-6, 2.7), optimized_weights: [0.8, 0.3] });
  const t = deriveTargets(rows);
  assert.equal(t.product_below_better_expert.better_expert, 3);
  assert.ok(Math.abs(t.product_below_better_expert.ratio! - 2.9 / 3) < 1e-12);
  assert.equal(t.product_below_better_expert.met, true);
  assert.equal(t.optimize.favours_expert, true);
  assert.equal(t.optimize.improves, false, "1e-6 bits/byte is float noise");
});

void test("the reference is the best single model per column, never a mix", () => {
  const ref = referenceRows([...BASE_ROWS, row("product(ts-expert, py-expert) ½,½", "mix", 1, 1)]);
  assert.deepEqual(ref.typescript, { row: "ts-expert", bits_per_byte: 2 });
  assert.deepEqual(ref.python, { row: "py-expert", bits_per_byte: 2 });
  assert.deepEqual(ref.mixed, { row: "general", bits_per_byte: 3 });
});
