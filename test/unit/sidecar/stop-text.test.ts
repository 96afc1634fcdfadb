// The stop-sequence filter: a stop string split over pieces is never shown, text that only looked like the start
// of one is released once it is clear, and log-probability entries travel with the text they produced.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StopSequenceFilter, type LogprobEntry } from "../../../src/sidecar/generation/stop-text";

const e = (token: string): LogprobEntry => ({ token, logprob: -1, top: [] });

function run(stops: string[], pieces: string[]) {
  const f = new StopSequenceFilter(stops);
  let text = "";
  const tokens: string[] = [];
  for (const p of pieces) {
    const r = f.push(p, e(p));
    text += r.text;
    tokens.push(...r.logprobs.map((x) => x.token));
    if (r.stopped) return { text, tokens, stopped: true };
  }
  const r = f.flush();
  return { text: text + r.text, tokens: [...tokens, ...r.logprobs.map((x) => x.token)], stopped: false };
}

void describe("StopSequenceFilter", () => {
  void it("cuts at a stop string split across pieces and hides it", () => {
    assert.deepEqual(run(["\n\n"], ["a", "b\n", "\nc"]), { text: "ab", tokens: ["a", "b\n"], stopped: true });
  });

  void it("holds back a possible stop start, then releases it when it turns out not to be one", () => {
    const f = new StopSequenceFilter(["END"]);
    assert.equal(f.push("xE").text, "x");
    assert.equal(f.push("N").text, "");
    const r = f.push("d");
    assert.equal(r.text, "ENd");
    assert.equal(r.stopped, false);
  });

  void it("picks the earliest of several stops", () => {
    assert.equal(run(["cd", "b"], ["abcd"]).text, "a");
  });

  void it("releases everything at the end when nothing matched", () => {
    assert.deepEqual(run(["zz"], ["a", "z"]), { text: "az", tokens: ["a", "z"], stopped: false });
  });

  void it("without stops passes text straight through", () => {
    const f = new StopSequenceFilter([]);
    assert.equal(f.push("hello").text, "hello");
  });
});
