import assert from "node:assert/strict";
import { test } from "node:test";
import { addChoiceCues, optionOverlap } from "../../../src/core/collab/api/choice-cues";
import { FeatureBuilder, routerFeatures } from "../../../src/core/collab/api/features";

function cues(text: string): Map<string, number> {
  const f = new FeatureBuilder();
  addChoiceCues(f, text);
  const v = f.build();
  return new Map(v.name.map((n, i) => [n, v.val[i]!]));
}

void test("choice cues: option shape, overlap, question word and computation are read from the prompt alone", () => {
  const q =
    "A car travels 120 km in 2 h. What is its speed if v = d/t = 120/2?\nA. 60 km per hour\nB. 60 m per hour\nC. None of the above\nD. 240 km per hour\nAnswer:";
  const c = cues(q);
  assert.ok(c.has("q:what"));
  assert.ok(c.has("num:units"));
  assert.ok(c.has("num:equation"));
  assert.ok(c.has("num:arithmetic"));
  assert.ok(c.has("opt:all-or-none"));
  assert.ok([...c.keys()].some((k) => k.startsWith("opt:max")));
  assert.ok((c.get("opt:overlap") ?? 0) > 0);
  // No options: only the stem cues, no option cues.
  const plain = cues("Explain why the sky is blue.");
  assert.ok(plain.has("stem:log"));
  assert.ok(![...plain.keys()].some((k) => k.startsWith("opt:")));
  assert.ok(routerFeatures({ text: q, surface: "bench" }).name.includes("q:what"), "the router's features include them");
});

void test("choice cues: overlap is 1 for identical options, 0 for disjoint ones", () => {
  assert.equal(optionOverlap(["I and II only", "I and II only"]), 1);
  assert.equal(optionOverlap(["red", "blue", "green"]), 0);
  assert.equal(optionOverlap(["one"]), 0);
  assert.ok(cues("Which?\nA. I and II only\nB. I and III only\nC. II only\nD. III only").has("opt:roman-combination"));
});

void test("choice cues: cheap enough for every inline completion request", () => {
  const text = "const x = compute(a, b);\n".repeat(200);
  const t0 = performance.now();
  for (let i = 0; i < 100; i++) cues(text);
  assert.ok((performance.now() - t0) / 100 < 2, "under 2 ms per call even on a loaded machine");
});
