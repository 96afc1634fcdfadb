// The sidecar's OpenAI-compatible API, driven by the npm `openai` client against real llama.cpp running bigram
// models whose next-token log-probabilities the test computes on its own from the same corpus.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { APIError, NotFoundError } from "openai";
import { createSidecarProvider } from "../../../src/core/providers/sidecar";
import { bytesOf, startFixture, TOKEN, type Fixture } from "./helpers";

let f: Fixture;
before(async () => {
  f = await startFixture();
});
after(async () => {
  await f?.close();
});

/** Greedy continuation by the table: the argmax byte after the last one, ties to the lower id. */
function greedyByTable(table: Fixture["ts"]["table"], prompt: string, n: number): number[] {
  let prev = bytesOf(prompt).at(-1)!;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = table.row(prev);
    let best = 0;
    for (let v = 1; v < 256; v++) if (row[v]! > row[best]!) best = v;
    out.push(best);
    prev = best;
  }
  return out;
}

void describe("OpenAI-compatible API over real llama.cpp", () => {
  void it("greedy completion follows the model's table, with exact logprobs and top_logprobs", async () => {
    const prompt = "return ";
    const c = await f.client.completions.create({ model: "ts-bigram", prompt, max_tokens: 12, temperature: 0, logprobs: 3 });
    const choice = c.choices[0]!;
    const expected = greedyByTable(f.ts.table, prompt, 12);
    assert.equal(choice.text, Buffer.from(expected).toString("latin1"));
    assert.equal(choice.finish_reason, "length");
    assert.equal(c.usage?.completion_tokens, 12);
    const lp = choice.logprobs!;
    assert.equal(lp.tokens!.length, 12);
    let prev = bytesOf(prompt).at(-1)!;
    for (let i = 0; i < 12; i++) {
      const tok = expected[i]!;
      assert.ok(
        Math.abs(lp.token_logprobs![i]! - f.ts.table.logProb(prev, tok)) < 2e-3,
        `token ${i}: ${lp.token_logprobs![i]} vs ${f.ts.table.logProb(prev, tok)}`,
      );
      const top = Object.entries(lp.top_logprobs![i]!);
      assert.equal(top.length, 3);
      // The best alternative is the chosen (greedy) token, and every alternative's value is the table's.
      for (const [text, value] of top) assert.ok(Math.abs(value - f.ts.table.logProb(prev, text.charCodeAt(0))) < 2e-3);
      prev = tok;
    }
  });

  void it("streams chat as OpenAI does: role first, text deltas, finish_reason, a usage chunk, the same text as unstreamed", async () => {
    const messages = [{ role: "user" as const, content: "def add(a, b):" }];
    const whole = await f.client.chat.completions.create({ model: "py-bigram", messages, max_tokens: 15, temperature: 0 });
    const stream = await f.client.chat.completions.create({
      model: "py-bigram",
      messages,
      max_tokens: 15,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
      logprobs: true,
      top_logprobs: 2,
    });
    let text = "";
    let role: string | undefined;
    let finish: string | null | undefined;
    let usage: { completion_tokens: number } | undefined | null;
    let logprobCount = 0;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      const c = chunk.choices[0];
      if (!c) continue;
      role ??= c.delta.role;
      text += c.delta.content ?? "";
      logprobCount += c.logprobs?.content?.length ?? 0;
      for (const entry of c.logprobs?.content ?? []) assert.equal(entry.top_logprobs.length, 2);
      if (c.finish_reason) finish = c.finish_reason;
    }
    assert.equal(role, "assistant");
    assert.equal(text, whole.choices[0]!.message.content);
    assert.equal(finish, "length");
    assert.equal(usage?.completion_tokens, 15);
    assert.equal(logprobCount, 15);
  });

  void it("stops at a stop sequence without showing it", async () => {
    const prompt = "return ";
    const full = (await f.client.completions.create({ model: "ts-bigram", prompt, max_tokens: 30, temperature: 0 })).choices[0]!.text;
    const stop = full.slice(5, 7);
    const cut = full.indexOf(stop);
    const c = await f.client.completions.create({ model: "ts-bigram", prompt, max_tokens: 30, temperature: 0, stop: [stop] });
    assert.equal(c.choices[0]!.text, full.slice(0, cut));
    assert.equal(c.choices[0]!.finish_reason, "stop");
  });

  void it("a seed makes sampling repeatable", async () => {
    const ask = (seed: number) =>
      f.client.completions.create({ model: "ts-bigram", prompt: "const ", max_tokens: 24, temperature: 1, seed }).then((c) => c.choices[0]!.text);
    const a = await ask(7);
    assert.equal(await ask(7), a);
    const others = await Promise.all([1, 2, 3].map(ask));
    assert.ok(
      others.some((t) => t !== a),
      "different seeds should not all give the same sample",
    );
  });

  void it("suffix without FIM tokens in the vocabulary completes the prefix, and says so", async () => {
    const body = { model: "ts-bigram", prompt: "return ", max_tokens: 8, temperature: 0 };
    const post = (b: unknown) =>
      fetch(`${f.sidecar.url}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${f.token}` },
        body: JSON.stringify(b),
      }).then((r) => r.json() as Promise<{ choices: { text: string }[]; chorus: { prompt_format: string } }>);
    const plain = await post(body);
    const fim = await post({ ...body, suffix: "\n}\n" });
    assert.equal(fim.chorus.prompt_format, "prefix-only");
    assert.equal(fim.choices[0]!.text, plain.choices[0]!.text);
  });

  void it("answers bad requests with OpenAI-shaped errors naming the problem, and keeps serving", async () => {
    await assert.rejects(f.client.completions.create({ model: "no-such-model", prompt: "x", max_tokens: 2 }), (e: unknown) => {
      assert.ok(e instanceof NotFoundError);
      assert.match(e.message, /no-such-model/);
      return true;
    });
    await assert.rejects(f.client.completions.create({ model: "ts-bigram", prompt: "x", temperature: 7 }), (e: unknown) => {
      assert.ok(e instanceof APIError);
      assert.equal(e.status, 400);
      assert.match(e.message, /temperature/);
      return true;
    });
    // Streaming too: a failure before any output is an HTTP error, not a broken stream.
    await assert.rejects(
      (async () => {
        for await (const _ of await f.client.chat.completions.create({ model: "missing", messages: [{ role: "user", content: "x" }], stream: true })) void _;
      })(),
      (e: unknown) => e instanceof NotFoundError,
    );
    await assert.rejects(
      f.client.chat.completions.create({ model: "ts-bigram", messages: [] }),
      (e: unknown) => e instanceof APIError && e.status === 400 && /messages/.test(e.message),
    );
    const r = await fetch(`${f.sidecar.url}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${f.token}` },
      body: "{not json",
    });
    assert.equal(r.status, 400);
    assert.match(((await r.json()) as { error: { message: string } }).error.message, /not valid JSON/);
    // A prompt longer than the context names the field that held it, as OpenAI does.
    const long = "x".repeat(600);
    await assert.rejects(
      f.client.completions.create({ model: "ts-bigram", prompt: long, max_tokens: 2 }),
      (e: unknown) => e instanceof APIError && e.status === 400 && e.code === "context_length_exceeded" && e.param === "prompt",
    );
    await assert.rejects(
      f.client.chat.completions.create({ model: "ts-bigram", messages: [{ role: "user", content: long }], max_tokens: 2 }),
      (e: unknown) => e instanceof APIError && e.code === "context_length_exceeded" && e.param === "messages",
    );
    const ok = await f.client.completions.create({ model: "ts-bigram", prompt: "x", max_tokens: 2, temperature: 0 });
    assert.equal(ok.choices[0]!.text.length, 2);
  });

  void it("fits a completion prompt to the context by whole lines when asked (truncate_prompt_tokens), as Chorus's own client does", async () => {
    // 20 lines of 40 bytes = 800 byte tokens, over the 512-token context; the bigram reply depends on the last byte only.
    const line = `${"x".repeat(38)};\n`;
    const prompt = `${line.repeat(20)}return `;
    const body = { model: "ts-bigram", prompt, max_tokens: 8, temperature: 0 };
    const post = (b: object) =>
      fetch(`${f.sidecar.url}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${f.token}` },
        body: JSON.stringify(b),
      });
    assert.equal((await post(body)).status, 400, "without the field, a prompt that does not fit is refused");
    const r = await post({ ...body, truncate_prompt_tokens: -1 });
    assert.equal(r.status, 200);
    const out = (await r.json()) as { choices: { text: string }[]; usage: { prompt_tokens: number } };
    // BOS + whole lines + the cursor's line, within the context less the reply's room.
    const kept = out.usage.prompt_tokens - 1 - "return ".length;
    assert.ok(kept > 0 && kept % line.length === 0 && out.usage.prompt_tokens <= 512 - 8, `prompt_tokens ${out.usage.prompt_tokens}`);
    assert.equal(out.choices[0]!.text, Buffer.from(greedyByTable(f.ts.table, prompt, 8)).toString("latin1"));
    assert.equal((await post({ ...body, truncate_prompt_tokens: 0 })).status, 400);
    // Chorus's provider for the sidecar asks for it on every completion.
    const provider = createSidecarProvider(() => ({ url: f.sidecar.url, token: TOKEN }));
    let text = "";
    for await (const d of provider.complete({ model: "ts-bigram", prefix: prompt, suffix: "", maxTokens: 8, temperature: 0 })) text += d.text ?? "";
    assert.equal(text, out.choices[0]!.text);
  });

  void it("lists the models it found in its folder", async () => {
    const ids = (await f.client.models.list()).data.map((m) => m.id);
    assert.ok(ids.includes("ts-bigram") && ids.includes("py-bigram"), ids.join(", "));
    const one = await f.client.models.retrieve("ts-bigram");
    assert.equal(one.id, "ts-bigram");
    await assert.rejects(f.client.models.retrieve("nope"), (e: unknown) => e instanceof NotFoundError);
  });

  void it("says where llama.cpp computes, without waiting for a model to load: the CPU, with the GPU off", async () => {
    // A second sidecar that is never asked for a model: its runtime loads in the background from start-up.
    const fresh = await startFixture();
    try {
      const compute = async () => {
        const r = await fetch(`${fresh.sidecar.url}/v1/models`, { headers: { authorization: `Bearer ${TOKEN}` } });
        return ((await r.json()) as { chorus: { compute: string } }).chorus.compute;
      };
      let seen = await compute();
      for (let i = 0; i < 100 && seen === "starting"; i++) {
        await new Promise((r) => setTimeout(r, 100));
        seen = await compute();
      }
      assert.equal(seen, "cpu");
      assert.deepEqual(fresh.sidecar.registry.loadedIds(), [], "no model was loaded to find out");
    } finally {
      await fresh.close();
    }
  });
});
