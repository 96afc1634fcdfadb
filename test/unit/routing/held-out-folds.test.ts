import assert from "node:assert/strict";
import { test } from "node:test";
import { heldOutDomains, STANDARD_FOLDS } from "../../../bench/held-out-folds";

const subjects = Array.from({ length: 38 }, (_, i) => `s${String(i).padStart(2, "0")}`);

void test("held-out folds: each partition holds every subject out exactly once, and never a subject twice", () => {
  for (const seed of [undefined, 1, 7919]) {
    const seen = new Map<string, number>();
    for (let fold = 0; fold < 3; fold++) for (const s of heldOutDomains(subjects, { folds: 3, fold, seed })) seen.set(s, (seen.get(s) ?? 0) + 1);
    assert.equal(seen.size, subjects.length);
    assert.ok([...seen.values()].every((n) => n === 1));
  }
});

void test("held-out folds: alphabetical without a seed, shuffled with one, and the same for the same seed", () => {
  assert.deepEqual([...heldOutDomains([...subjects].reverse(), { folds: 3, fold: 1 })], subjects.filter((_, i) => i % 3 === 1));
  const a = [...heldOutDomains(subjects, { folds: 3, fold: 0, seed: 2 })];
  assert.deepEqual(a, [...heldOutDomains(subjects, { folds: 3, fold: 0, seed: 2 })]);
  assert.notDeepEqual(a, [...heldOutDomains(subjects, { folds: 3, fold: 0 })]);
  assert.equal(STANDARD_FOLDS.length, 32);
});
