import assert from "node:assert/strict";
import { test } from "node:test";
import { FeatureBuilder, hashName, requestFeatures } from "../../../src/core/collab/api/features";
import { OnlineLogistic } from "../../../src/core/collab/api/logistic";

void test("every feature's index is the hash of the name it spells, so names and learned weights agree", () => {
  const v = requestFeatures({
    text: "Prove that the sum of two even numbers is even. Explain why.",
    surface: "ask",
    languageId: "markdown",
    filePath: "/a/b.MD",
  });
  assert.ok(v.idx.length > 20);
  v.idx.forEach((h, i) => assert.equal(h, hashName(v.nameOf(i)), `feature ${i} (${v.nameOf(i)})`));
  for (const n of ["bias", "w:prove", "w:even", "w2:prove_that", "w2:two_even", "c4:<pro", "c4:ove>", "ext:md", "lang:markdown", "cue:prove", "cue:explain"])
    assert.ok(v.name.includes(n), `has ${n}`);
  assert.equal(new Set(v.name).size, v.name.length, "no name twice");
});

void test("groups are deduplicated and scaled to their weight whatever their size", () => {
  const f = new FeatureBuilder();
  f.addGroup("w", ["a", "b", "a", "c"], 1);
  f.addBigrams("w2", ["x", "y", "x", "y"], 0.3);
  f.addCharNgrams("c4", ["ab", "abcd", "abcd"], 4, 0.3);
  const v = f.build();
  const value = (n: string): number | undefined => v.val[v.name.indexOf(n)];
  assert.deepEqual(v.name, ["w:a", "w:b", "w:c", "w2:x_y", "w2:y_x", "c4:<abc", "c4:abcd", "c4:bcd>"]);
  assert.ok(Math.abs(value("w:a")! - 1 / Math.sqrt(3)) < 1e-12);
  assert.ok(Math.abs(value("w2:y_x")! - 0.3 / Math.sqrt(2)) < 1e-12);
  assert.ok(Math.abs(value("c4:abcd")! - 0.3 / Math.sqrt(3)) < 1e-12);
});

void test("the same name added twice is one feature with the values summed", () => {
  const f = new FeatureBuilder();
  f.add("w:a", 2);
  f.addGroup("w", ["a"], 1);
  f.add("zero", 0);
  const v = f.build();
  assert.deepEqual(v.name, ["w:a"]);
  assert.equal(v.val[0], 3);
});

void test("concat and select keep each feature's name with its index and value", () => {
  const a = requestFeatures({ text: "why", surface: "ask" });
  const b = requestFeatures({ text: "compute 2+2", surface: "ask" });
  const ab = a.concat(b);
  assert.equal(ab.idx.length, a.idx.length + b.idx.length);
  assert.equal(ab.nameOf(a.idx.length), b.nameOf(0));
  const keep = [ab.idx.length - 1, 0];
  const s = ab.select(keep);
  assert.deepEqual(s.name, [ab.nameOf(keep[0]!), ab.nameOf(0)]);
  assert.deepEqual(s.val, [ab.val[keep[0]!], ab.val[0]]);
});

void test("an explanation names the strongest learned drivers", () => {
  const m = new OnlineLogistic({ learningRate: 0.5 });
  const hard = requestFeatures({ text: "prove the theorem", surface: "ask" });
  for (let i = 0; i < 20; i++) m.update(hard, 1);
  const top = m.explain(hard, 2);
  assert.equal(top.length, 2);
  assert.ok(top[0]!.value >= top[1]!.value && top[1]!.value > 0);
  for (const c of top) assert.ok(hard.name.includes(c.name), c.name);
});

void test("one piece of online feedback moves a decision's log-odds by at most maxStep; without it, by the full first AdaGrad step", () => {
  const x = requestFeatures({
    text: "export const answer = ",
    surface: "completion",
    languageId: "typescript",
    filePath: "/w/hello.ts",
    cursor: { atLineEnd: true, multiline: false, prefixChars: 122, suffixChars: 0 },
  });
  const capped = new OnlineLogistic({ learningRate: 0.15, maxStep: 0.5 });
  const free = new OnlineLogistic({ learningRate: 0.15 });
  const prior = Math.log(0.15 / 0.85);
  capped.update(x, 1, 1, prior);
  free.update(x, 1, 1, prior);
  assert.ok(Math.abs(capped.margin(x) - 0.5) < 1e-9, `capped: ${capped.margin(x)}`);
  assert.ok(free.margin(x) > 2, `uncapped, one example moved it by ${free.margin(x)}`);
  // Repeated feedback still adds up: the cap bounds a step, not what is learned.
  for (let i = 0; i < 5; i++) capped.update(x, 1, 1, prior);
  assert.ok(capped.margin(x) > 2);
});
