import assert from "node:assert/strict";
import { test } from "node:test";
import { foldSet, heldOutDomains, SIBLING_FOLDS, siblingPartition, STANDARD_FOLDS, subjectFamily } from "../../../bench/held-out-folds";

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
  assert.deepEqual(
    [...heldOutDomains([...subjects].reverse(), { folds: 3, fold: 1 })],
    subjects.filter((_, i) => i % 3 === 1),
  );
  const a = [...heldOutDomains(subjects, { folds: 3, fold: 0, seed: 2 })];
  assert.deepEqual(a, [...heldOutDomains(subjects, { folds: 3, fold: 0, seed: 2 })]);
  assert.notDeepEqual(a, [...heldOutDomains(subjects, { folds: 3, fold: 0 })]);
  assert.equal(STANDARD_FOLDS.length, 32);
});

// The 38 MMLU subjects of the shared training file: the sibling folds are built for these names.
const mmlu38 = (
  "abstract_algebra anatomy business_ethics clinical_knowledge college_chemistry college_computer_science college_medicine " +
  "college_physics conceptual_physics econometrics elementary_mathematics formal_logic high_school_biology high_school_chemistry " +
  "high_school_european_history high_school_geography high_school_macroeconomics high_school_mathematics high_school_physics " +
  "high_school_psychology high_school_us_history high_school_world_history human_sexuality international_law logical_fallacies " +
  "machine_learning marketing medical_genetics moral_disputes moral_scenarios philosophy prehistory professional_law " +
  "professional_medicine public_relations security_studies us_foreign_policy virology"
).split(" ");

void test("sibling folds: families come from the name without its level prefix, plus the short table", () => {
  assert.equal(subjectFamily("high_school_biology"), "biology");
  assert.equal(subjectFamily("college_biology"), "biology");
  assert.equal(subjectFamily("conceptual_physics"), subjectFamily("college_physics"));
  assert.equal(subjectFamily("abstract_algebra"), "mathematics");
  assert.equal(subjectFamily("high_school_us_history"), subjectFamily("high_school_world_history"));
  assert.equal(subjectFamily("international_law"), subjectFamily("professional_law"));
  assert.equal(subjectFamily("virology"), "virology");
  const sizes = new Map<string, number>();
  for (const s of mmlu38) sizes.set(subjectFamily(s), (sizes.get(subjectFamily(s)) ?? 0) + 1);
  assert.equal([...sizes.values()].filter((n) => n > 1).length, 10);
  assert.equal([...sizes.values()].filter((n) => n === 1).length, 14);
});

void test("sibling folds: each seed partitions the subjects, about 1 test to 2 training, and every held-out family member keeps a sibling in training", () => {
  for (const seed of [1, 2, 3, 8]) {
    const folds = siblingPartition(mmlu38, seed);
    assert.equal(folds.length, 3);
    assert.deepEqual(folds.flat().sort(), [...mmlu38].sort());
    for (const f of folds) assert.ok(f.length >= 12 && f.length <= 13, `fold of ${f.length}`);
    for (let fold = 0; fold < 3; fold++) {
      const held = heldOutDomains(mmlu38, { set: "sibling", fold, seed });
      const trainFamilies = new Set(mmlu38.filter((s) => !held.has(s)).map(subjectFamily));
      for (const s of held) {
        const hasSibling = mmlu38.some((o) => o !== s && subjectFamily(o) === subjectFamily(s));
        if (hasSibling) assert.ok(trainFamilies.has(subjectFamily(s)), `${s} lost its family (seed ${seed})`);
      }
    }
  }
});

void test("sibling folds: repeatable for a seed, different across seeds, and reachable by name", () => {
  assert.deepEqual(siblingPartition(mmlu38, 5), siblingPartition([...mmlu38].reverse(), 5));
  assert.notDeepEqual(siblingPartition(mmlu38, 5), siblingPartition(mmlu38, 6));
  assert.equal(SIBLING_FOLDS.length, 24);
  assert.equal(foldSet("sibling"), SIBLING_FOLDS);
  assert.equal(foldSet("standard"), STANDARD_FOLDS);
});
