// Scoring text through the sidecar: OpenAI's legacy-completions `echo` with `logprobs` (openai-node's
// CompletionCreateParams documents echo as "Echo back the prompt in addition to the completion"; OpenAI's API
// reference gives the echoed prompt's first token a null logprob, and `max_tokens: 0` with echo is the usual way
// to score a text without generating; vLLM's completions API does the same). Checked against real llama.cpp on
// bigram models, whose log-probabilities the test computes from the corpus itself.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { APIError } from "openai";
import { join } from "node:path";
import { tokenLabeler } from "../../../src/sidecar/generation/token-labels";
import { getRuntime } from "../../../src/sidecar/registry/llama-runtime";
import { BOS_ID, EOS_ID } from "../../../src/sidecar/testmodels/byte-vocab";
import { logSumExp } from "../mixing/helpers";
import { bytesOf, startFixture, type Fixture } from "./helpers";

const PRESETS = {
  // topK 8: decoding reads only each lane's 8 best tokens; scoring must still use the whole distribution.
  "poe-top8": {
    strategy: "product",
    topK: 8,
    models: [
      { model: "ts-bigram", weight: 1 },
      { model: "py-bigram", weight: 0.5 },
    ],
  },
};

let f: Fixture;
before(async () => {
  f = await startFixture({ presets: PRESETS });
});
after(async () => {
  await f?.close();
});

const TOL = 2e-3;
const PROMPT = "return a + b;";

type Lp = { tokens?: string[]; token_logprobs?: (number | null)[]; top_logprobs?: (Record<string, number> | null)[]; text_offset?: number[] };

async function score(model: string, prompt: string, logprobs: number, maxTokens = 0) {
  const c = await f.client.completions.create({ model, prompt, echo: true, logprobs, max_tokens: maxTokens, temperature: 0 });
  return c;
}

/** Check each scored position j (after `prev`) against `expected(prev, next)`. */
function assertScores(lp: Lp, tokens: number[], expected: (prev: number, next: number) => number): void {
  assert.equal(lp.token_logprobs![0], null, "the first token has nothing to predict it");
  assert.equal(lp.top_logprobs![0], null);
  for (let i = 1; i < tokens.length; i++) {
    const want = expected(tokens[i - 1]!, tokens[i]!);
    assert.ok(Math.abs(lp.token_logprobs![i]! - want) < TOL, `token ${i}: ${lp.token_logprobs![i]} vs ${want}`);
  }
}

void describe("scoring text through the sidecar (echo + logprobs)", () => {
  void it("one model: each prompt token's logprob is the model's own log-softmax after the tokens before it", async () => {
    const c = await score("ts-bigram", PROMPT, 3);
    const choice = c.choices[0]!;
    assert.equal(choice.text, PROMPT, "max_tokens 0: the prompt only, nothing generated");
    assert.equal(c.usage?.completion_tokens, 0);
    const tokens = [BOS_ID, ...bytesOf(PROMPT)];
    assert.equal(c.usage?.prompt_tokens, tokens.length);
    const lp = choice.logprobs as Lp;
    assert.deepEqual(lp.tokens!.slice(1).join(""), PROMPT);
    assertScores(lp, tokens, (prev, next) => f.ts.table.logProb(prev, next));
    // Alternatives are the table's best three at each position.
    for (let i = 1; i < tokens.length; i++) {
      const row = [...f.ts.table.row(tokens[i - 1]!)];
      const best = row
        .map((v, t) => ({ v, t }))
        .sort((a, b) => b.v - a.v || a.t - b.t)
        .slice(0, 3);
      const got = Object.values(lp.top_logprobs![i]!);
      assert.equal(got.length, 3);
      best.forEach((b, k) => assert.ok(Math.abs(got[k]! - b.v) < TOL, `position ${i} alternative ${k}`));
    }
    assert.deepEqual(
      (c as unknown as { chorus: { scoring: Record<string, string> } }).chorus.scoring.prompt_logprobs,
      "exact: the whole vocabulary, temperature 1",
    );
  });

  void it("echo with a reply: the prompt's scored tokens, then the reply's, as the reply alone reports them", async () => {
    const plain = await f.client.completions.create({ model: "ts-bigram", prompt: PROMPT, max_tokens: 6, logprobs: 2, temperature: 0 });
    const echoed = await score("ts-bigram", PROMPT, 2, 6);
    const n = PROMPT.length + 1;
    assert.equal(echoed.choices[0]!.text, PROMPT + plain.choices[0]!.text);
    const lp = echoed.choices[0]!.logprobs as Lp;
    assert.equal(lp.token_logprobs!.length, n + 6);
    assert.deepEqual(lp.tokens!.slice(n), plain.choices[0]!.logprobs!.tokens);
    lp.token_logprobs!.slice(n).forEach((v, i) => assert.ok(Math.abs(v! - plain.choices[0]!.logprobs!.token_logprobs![i]!) < 1e-6));
    // Offsets run on through the echoed prompt into the reply.
    assert.equal(lp.text_offset![n], PROMPT.length);
  });

  void it("a preset: each logprob is the strategy's formula on the lanes' exact distributions, whatever its decoding topK", async () => {
    const c = await score("chorus/poe-top8", PROMPT, 0);
    const tokens = [BOS_ID, ...bytesOf(PROMPT)];
    // Product of experts: score(v) = 1·log p_ts(v|k) + 0.5·log p_py(v|k), renormalised over the whole vocabulary.
    const mixedRow = (prev: number) => [...f.ts.table.row(prev)].map((v, t) => v + 0.5 * f.py.table.logProb(prev, t));
    assertScores(c.choices[0]!.logprobs as Lp, tokens, (prev, next) => {
      const row = mixedRow(prev);
      return row[next]! - logSumExp(row);
    });
    const scoring = (c as unknown as { chorus: { scoring: Record<string, string> } }).chorus.scoring;
    assert.match(scoring.completion_logprobs!, /approximate: .*top 8/, "decoding's read-out is said to be approximate");
  });

  for (const model of ["ts-bigram", "chorus/poe-top8"]) {
    void it(`${model}: streaming sends the scored prompt first, with the same values as unstreamed`, async () => {
      const whole = await score(model, PROMPT, 2, 4);
      const stream = await f.client.completions.create({ model, prompt: PROMPT, echo: true, logprobs: 2, max_tokens: 4, temperature: 0, stream: true });
      let text = "";
      const values: (number | null)[] = [];
      let first = true;
      for await (const chunk of stream) {
        const c = chunk.choices[0];
        if (!c) continue;
        if (first && c.text !== "") {
          assert.equal(c.text, PROMPT, "the first chunk is the echoed prompt");
          first = false;
        }
        text += c.text;
        values.push(...(c.logprobs?.token_logprobs ?? []));
      }
      assert.equal(text, whole.choices[0]!.text);
      const want = whole.choices[0]!.logprobs!.token_logprobs!;
      assert.equal(values.length, want.length);
      values.forEach((v, i) => (v === null ? assert.equal(want[i], null) : assert.ok(Math.abs(v - want[i]!) < 1e-6, `token ${i}`)));
    });
  }

  void it("refuses what scoring cannot do with a 400 that says what to send instead", async () => {
    const refused = async (make: () => Promise<unknown>, param: RegExp) => {
      await assert.rejects(make(), (e: unknown) => e instanceof APIError && e.status === 400 && param.test(e.message));
    };
    const base = { model: "ts-bigram", prompt: PROMPT };
    await refused(() => f.client.completions.create({ ...base, echo: true, logprobs: 21, max_tokens: 0 }), /"logprobs" must be an integer from 0 to 20/);
    await refused(() => f.client.completions.create({ ...base, max_tokens: 0 }), /"echo": true/);
    await refused(() => f.client.completions.create({ ...base, echo: true, suffix: "x", max_tokens: 0 }), /suffix/);
    await refused(() => f.client.completions.create({ ...base, echo: true, max_tokens: 0, truncate_prompt_tokens: 5 } as never), /truncate_prompt_tokens/);
    await refused(() => f.client.completions.create({ ...base, max_tokens: 0, prompt_logprobs: 2, stream: true } as never), /not streamed/);
    await refused(
      () => f.client.completions.create({ ...base, max_tokens: 0, prompt_logprobs: 21 } as never),
      /"prompt_logprobs" must be an integer from 0 to 20/,
    );
    await refused(
      () => f.client.chat.completions.create({ model: "ts-bigram", messages: [{ role: "user", content: "hi" }], echo: true } as never),
      /\/v1\/completions/,
    );
    // Echo alone (no logprobs) with nothing generated still counts the prompt's tokens, for a preset too.
    const bare = await f.client.completions.create({ model: "chorus/poe-top8", prompt: "ab", echo: true, max_tokens: 0 });
    assert.equal(bare.choices[0]!.text, "ab");
    assert.equal(bare.choices[0]!.logprobs, null);
    assert.equal(bare.usage?.prompt_tokens, 3);
    // And the server still answers.
    const ok = await score("ts-bigram", "ab", 0);
    assert.equal(ok.choices[0]!.text, "ab");
  });

  void it("vLLM's prompt_logprobs: null first, then each token's logprob and rank by id, with its alternatives", async () => {
    const c = (await f.client.completions.create({ model: "ts-bigram", prompt: "ab", max_tokens: 0, prompt_logprobs: 2 } as never)) as unknown as {
      choices: { text: string; prompt_logprobs: (Record<string, { logprob: number; rank: number; decoded_token: string }> | null)[] }[];
    };
    const pl = c.choices[0]!.prompt_logprobs;
    assert.equal(c.choices[0]!.text, "", "prompt_logprobs does not echo the text");
    assert.equal(pl.length, 3);
    assert.equal(pl[0], null);
    const tokens = [BOS_ID, 0x61, 0x62];
    for (let i = 1; i < 3; i++) {
      const row = [...f.ts.table.row(tokens[i - 1]!)];
      const own = pl[i]![String(tokens[i])]!;
      assert.ok(Math.abs(own.logprob - row[tokens[i]!]!) < TOL);
      assert.equal(own.rank, 1 + row.filter((v) => v > row[tokens[i]!]! + 1e-4).length, `rank at ${i}`);
      assert.equal(own.decoded_token, String.fromCharCode(tokens[i]!));
      const entries = Object.keys(pl[i]!).length;
      assert.ok(entries === 2 || entries === 3, "the token and the 2 best (which may include it)");
    }
  });

  void it("names every token apart in logprobs: half a UTF-8 character by its bytes, a control token by its text", async () => {
    const c = await score("ts-bigram", "é!", 2);
    const lp = c.choices[0]!.logprobs as Lp;
    // "é" is the byte tokens C3 A9: each alone is not UTF-8, so each is named by its byte, not "�".
    assert.deepEqual(lp.tokens, ["<|bos|>", "bytes:\\xc3", "bytes:\\xa9", "!"]);
    // Offsets count characters: the start token and a half character write none.
    assert.deepEqual(lp.text_offset, [0, 0, 0, 1]);
    assert.ok(Math.abs(lp.token_logprobs![2]! - f.ts.table.logProb(0xc3, 0xa9)) < TOL);

    const llama = await getRuntime({ gpu: false });
    const model = await llama.loadModel({ modelPath: join(f.dir, "ts-bigram.gguf"), gpuLayers: 0 });
    try {
      const label = tokenLabeler(model);
      assert.deepEqual(label(EOS_ID), { token: "<|endoftext|>", bytes: [] }, "end-of-text is not the empty string");
      assert.deepEqual(label(0x41), { token: "A", bytes: [0x41] });
      assert.deepEqual(label(0x20), { token: " ", bytes: [0x20] });
      const names = new Set(Array.from({ length: 258 }, (_, t) => label(t).token));
      assert.equal(names.size, 258, "no two tokens share a name, so top_logprobs keys never collide");
    } finally {
      await model.dispose();
    }
  });
});
