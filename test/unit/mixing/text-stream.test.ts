// Streaming text with its logprob entries (TextAssembler): a stop string split over tokens is never shown, text
// that only looked like the start of one is released once it is clear, and each token's entry goes out with the
// first character of its text — the entries of tokens wholly inside a cut stop string never go out at all.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TextAssembler } from "../../../src/sidecar/mixing/text";

/** Tokens 0…n−1 whose texts are `pieces`; each token's entry is its own text. */
function assembler(stops: string[], pieces: string[]) {
  return new TextAssembler<string>((toks) => toks.map((t) => pieces[t]).join(""), stops);
}

function run(stops: string[], pieces: string[]) {
  const text = assembler(stops, pieces);
  let out = "";
  const entries: string[] = [];
  for (const [i, p] of pieces.entries()) {
    const r = text.push(i, p);
    out += r.delta;
    entries.push(...r.entries);
    if (r.stopped) return { text: out, entries, stopped: true };
  }
  const r = text.finish();
  return { text: out + r.delta, entries: [...entries, ...r.entries], stopped: false };
}

void describe("TextAssembler with entries", () => {
  void it("cuts at a stop string split across tokens, hides it, and drops the entries of the tokens inside it", () => {
    assert.deepEqual(run(["\n\n"], ["a", "b\n", "\nc"]), { text: "ab", entries: ["a", "b\n"], stopped: true });
    assert.deepEqual(run(["\n\n"], ["a", "\n", "\n", "c"]), { text: "a", entries: ["a"], stopped: true });
  });

  void it("holds back a possible stop start with its entry, then releases both when it turns out not to be one", () => {
    const text = assembler(["END"], ["xE", "N", "d"]);
    assert.deepEqual(text.push(0, "xE"), { delta: "x", entries: ["xE"], stopped: false });
    assert.deepEqual(text.push(1, "N"), { delta: "", entries: [], stopped: false }, "N is held: it could still become END");
    assert.deepEqual(text.push(2, "d"), { delta: "ENd", entries: ["N", "d"], stopped: false });
  });

  void it("picks the earliest of several stops", () => {
    assert.equal(run(["cd", "b"], ["abcd"]).text, "a");
  });

  void it("releases everything at the end when nothing matched", () => {
    assert.deepEqual(run(["zz"], ["a", "z"]), { text: "az", entries: ["a", "z"], stopped: false });
  });

  void it("holds the entries of a split UTF-8 character until the character is whole", () => {
    const bytes = [[0x61], [0xc3], [0xa9]];
    const text = new TextAssembler<number>((toks) => Buffer.from(toks.flatMap((t) => bytes[t]!)).toString("utf8"), []);
    assert.deepEqual(text.push(0, 0), { delta: "a", entries: [0], stopped: false });
    assert.deepEqual(text.push(1, 1), { delta: "", entries: [], stopped: false });
    assert.deepEqual(text.push(2, 2), { delta: "é", entries: [1, 2], stopped: false });
    assert.deepEqual(text.finish(), { delta: "", entries: [] });
  });

  void it("without stops passes text straight through", () => {
    assert.deepEqual(assembler([], ["hello"]).push(0, "hello"), { delta: "hello", entries: ["hello"], stopped: false });
  });
});
