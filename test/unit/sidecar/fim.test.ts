// Fill-in-the-middle on /v1/completions: a model whose vocabulary has FIM tokens gets the prefix-suffix-middle
// layout with its own tokens; the generated text is what the model predicts after the middle token.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { makeBigramModel, type BigramModel } from "../../../src/sidecar/testmodels/bigram";
import { FIM_TOKENS, startFixture, TS_CORPUS, writeFimModel, type Fixture } from "./helpers";

const MID = FIM_TOKENS.mid;

let f: Fixture;
let fim: BigramModel;
before(async () => {
  f = await startFixture({}, async (dir) => {
    fim = await makeBigramModel({ corpus: TS_CORPUS, out: join(dir, "plain-261.gguf"), vocabSize: 261 });
    await writeFimModel(fim.path, join(dir, "fim-bigram.gguf"));
  });
});
after(async () => {
  await f?.close();
});

async function complete(model: string, body: Record<string, unknown>) {
  const r = await fetch(`${f.sidecar.url}/v1/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${f.token}`, "content-type": "application/json" },
    body: JSON.stringify({ model, max_tokens: 6, temperature: 0, logprobs: 1, ...body }),
  });
  assert.equal(r.status, 200);
  return (await r.json()) as {
    choices: { text: string; logprobs: { token_logprobs: number[] } }[];
    usage: { prompt_tokens: number };
    chorus: { prompt_format: string };
  };
}

void describe("fill-in-the-middle", () => {
  void it("lays out <PRE> prefix <SUF> suffix <MID> with the model's FIM tokens", async () => {
    const prefix = "function f(";
    const suffix = ") {}";
    const r = await complete("fim-bigram", { prompt: prefix, suffix });
    assert.equal(r.chorus.prompt_format, "fim");
    // BOS + PRE + prefix bytes + SUF + suffix bytes + MID
    assert.equal(r.usage.prompt_tokens, 1 + 1 + prefix.length + 1 + suffix.length + 1);
    // A bigram model reads only the last token: the first generated token follows <MID>, not the prefix.
    const first = r.choices[0]!.logprobs.token_logprobs[0]!;
    const row = fim.table.row(MID);
    let best = 0;
    for (let v = 1; v < 256; v++) if (row[v]! > row[best]!) best = v;
    assert.ok(Math.abs(first - fim.table.logProb(MID, best)) < 2e-3, `${first} vs ${fim.table.logProb(MID, best)}`);
  });

  void it("without a suffix it is a plain completion of the prompt", async () => {
    const r = await complete("fim-bigram", { prompt: "function f(" });
    assert.equal(r.chorus.prompt_format, "plain");
    assert.equal(r.usage.prompt_tokens, 1 + "function f(".length);
  });

  void it("a model without FIM tokens completes the prefix alone", async () => {
    const r = await complete("plain-261", { prompt: "function f(", suffix: ") {}" });
    assert.equal(r.chorus.prompt_format, "prefix-only");
    assert.equal(r.usage.prompt_tokens, 1 + "function f(".length);
  });
});
