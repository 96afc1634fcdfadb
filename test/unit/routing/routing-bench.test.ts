import assert from "node:assert/strict";
import { test } from "node:test";
import { runRoutingBench } from "../../../src/bench/routing";
import { parseRoutingRows, type RoutingRow } from "../../../src/bench/routing-data";
import { routingMetrics } from "../../../src/bench/routing-metrics";

const outcomes = [
  { weakCorrect: false, strongCorrect: true },
  { weakCorrect: true, strongCorrect: true },
  { weakCorrect: false, strongCorrect: false },
  { weakCorrect: true, strongCorrect: false },
];

void test("metrics: the oracle order recovers the gap fastest, the reverse order slowest, and CPT/cost follow", () => {
  const opts = { weakCostRatio: 0.01, paysWeakAlways: false };
  const best = routingMetrics(outcomes, [3, 1, 1, 0], opts);
  assert.equal(best.weak_accuracy, 0.5);
  assert.equal(best.strong_accuracy, 0.5);
  // Weak and strong are equally accurate here, so every PGR is defined as 1 when the gap is 0.
  const gapped = [...outcomes, { weakCorrect: false, strongCorrect: true }];
  const b = routingMetrics(gapped, [5, 1, 1, 0, 4], opts);
  assert.equal(b.cpt50, 0.2, "one of five prompts to the strong model recovers half the gap");
  assert.equal(b.curve.at(-1)?.pgr, 1);
  assert.ok(b.apgr > routingMetrics(gapped, [0, 1, 1, 5, 0.5], opts).apgr, "the oracle order beats the reverse order");
  assert.equal(b.curve[0]?.pgr, 0);
  const cascade = routingMetrics(gapped, [5, 1, 1, 0, 4], { weakCostRatio: 0.01, paysWeakAlways: true });
  assert.ok((cascade.cost_at_95 ?? 0) > (b.cost_at_95 ?? 0), "a cascade also pays for the weak call");
});

void test("data: any RouteLLM-format file is read; a bad line is named by file and line", () => {
  const rows = parseRoutingRows(
    '{"prompt":"q","weak_correct":true,"strong_correct":false}\n\n{"prompt":"r","weak_correct":false,"strong_correct":true,"domain":"x"}\n',
    "f.jsonl",
  );
  assert.equal(rows.length, 2);
  assert.equal(rows[1]?.domain, "x");
  assert.throws(() => parseRoutingRows('{"prompt":"q","weak_correct":true,"strong_correct":false}\n{oops', "f.jsonl"), /f\.jsonl:2: not valid JSON/);
  assert.throws(() => parseRoutingRows('{"prompt":"q","weak_correct":"yes","strong_correct":false}', "f.jsonl"), /f\.jsonl:1: "weak_correct"/);
  assert.throws(() => parseRoutingRows("", "empty.jsonl"), /no rows/);
});

void test("bench: a router learns a cue that predicts the gap and ranks unseen prompts by it; a cascade needs weak answers", () => {
  // Synthetic: prompts mentioning "integral" are where only the strong model succeeds.
  const make = (i: number): RoutingRow => {
    const hard = i % 3 === 0;
    return {
      id: String(i),
      benchmark: "t",
      domain: `d${i % 5}`,
      prompt: hard ? `compute the integral number ${i}` : `name the capital ${i}`,
      weakCorrect: !hard,
      strongCorrect: true,
    };
  };
  const train = Array.from({ length: 300 }, (_, i) => make(i));
  const test = Array.from({ length: 90 }, (_, i) => make(i + 1000));
  const r = runRoutingBench(train, test, { strategy: "router" });
  const oracle = routingMetrics(
    test,
    test.map((x) => Number(!x.weakCorrect)),
    { weakCostRatio: 0.01, paysWeakAlways: false },
  );
  assert.equal(r.apgr, oracle.apgr, "the learned order is as good as the oracle's");
  assert.ok(r.apgr > 0.8);
  assert.equal(r.curve.length, 21);
  assert.throws(() => runRoutingBench(train, test, { strategy: "cascade" }), /weak_response/);
});
