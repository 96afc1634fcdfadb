// Byte-level models write multi-byte characters one byte token at a time: the sidecar must release each character
// whole (never a U+FFFD from a split), streamed and unstreamed alike, and exactly the bytes the model chose.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { makeBigramModel, type BigramModel } from "../../../src/sidecar/testmodels/bigram";
import { startFixture, type Fixture } from "./helpers";

// Each byte has one clear successor, so greedy decoding walks through "é", "ö", "✓" and "日本" byte by byte.
const CORPUS = "caféölé✓日本\n".repeat(40);

let f: Fixture;
let model: BigramModel;
before(async () => {
  f = await startFixture({}, async (dir) => {
    model = await makeBigramModel({ corpus: CORPUS, out: join(dir, "utf8.gguf"), smoothing: 0.01 });
  });
});
after(async () => {
  await f?.close();
});

function greedyBytes(prompt: string, n: number): Buffer {
  let prev = Buffer.from(prompt, "utf8").at(-1)!;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = model.table.row(prev);
    let best = 0;
    for (let v = 1; v < 256; v++) if (row[v]! > row[best]!) best = v;
    out.push(best);
    prev = best;
  }
  return Buffer.from(out);
}

void describe("multi-byte characters from a byte-level model", () => {
  void it("come out whole and exact, streamed or not", async () => {
    const n = Buffer.byteLength("féölé✓日本\ncaf");
    const expected = greedyBytes("ca", n).toString("utf8");
    assert.ok(!expected.includes("\uFFFD"), "the expected text itself is valid UTF-8");
    const whole = await f.client.completions.create({ model: "utf8", prompt: "ca", max_tokens: n, temperature: 0 });
    assert.equal(whole.choices[0]!.text, expected);
    let streamed = "";
    const pieces: string[] = [];
    for await (const c of await f.client.completions.create({ model: "utf8", prompt: "ca", max_tokens: n, temperature: 0, stream: true })) {
      const t = c.choices[0]?.text ?? "";
      if (t) pieces.push(t);
      streamed += t;
    }
    assert.equal(streamed, expected);
    for (const p of pieces) assert.ok(!p.includes("\uFFFD"), `a piece split a character: ${JSON.stringify(p)}`);
    assert.ok(pieces.length > 1, "the reply was streamed in pieces");
  });
});
