// A client that goes away stops the generation: the model's sequence stops growing within a step, and the next
// request is served at once instead of waiting behind thousands of unwanted tokens.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startFixture, type Fixture } from "./helpers";

let f: Fixture;
before(async () => {
  f = await startFixture({ maxContext: 4096 });
});
after(async () => {
  await f?.close();
});

// Greedy decoding of these bigram models never picks the end token, so without cancellation the run would go on
// to MAX tokens.
const MAX = 2000;

/** Where the model's sequence is now: the prompt plus every token generated so far. */
async function sequenceLength(): Promise<number> {
  const lease = await f.sidecar.registry.acquire("ts-bigram");
  try {
    return lease.model.sequence.nextTokenIndex;
  } finally {
    lease.release();
  }
}

void describe("client disconnect", () => {
  void it("a streaming client that aborts after the first chunk stops generation", async () => {
    const controller = new AbortController();
    const stream = await f.client.completions.create(
      { model: "ts-bigram", prompt: "x", max_tokens: MAX, temperature: 0, stream: true },
      { signal: controller.signal },
    );
    let chunks = 0;
    try {
      for await (const _ of stream) {
        if (++chunks === 1) controller.abort();
      }
    } catch (e) {
      assert.ok(e instanceof Error && /abort/i.test(e.name + e.message), String(e));
    }
    assert.equal(chunks, 1);
    await sleep(300);
    const a = await sequenceLength();
    await sleep(300);
    const b = await sequenceLength();
    assert.equal(b, a, "the sequence kept growing after the client left");
    assert.ok(a < MAX / 2, `generation ran on to ${a} tokens`);
  });

  void it("a non-streaming client that disconnects stops generation too, and the next request is served", async () => {
    const controller = new AbortController();
    const pending = fetch(`${f.sidecar.url}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${f.token}` },
      body: JSON.stringify({ model: "ts-bigram", prompt: "y", max_tokens: MAX, temperature: 0 }),
      signal: controller.signal,
    });
    await sleep(150);
    controller.abort();
    await assert.rejects(pending);
    await sleep(300);
    const a = await sequenceLength();
    await sleep(300);
    assert.equal(await sequenceLength(), a);
    assert.ok(a < MAX, `generation ran on to ${a} tokens`);
    const next = await f.client.completions.create({ model: "ts-bigram", prompt: "z", max_tokens: 5, temperature: 0 });
    assert.equal(next.choices[0]!.text.length, 5);
  });
});
