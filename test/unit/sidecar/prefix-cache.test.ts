// A model's sequence keeps the KV cache of the last prompt: a request that shares a prefix with the previous one
// (the next inline completion in the same file) evaluates only what changed, and still answers exactly the same.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startFixture, type Fixture } from "./helpers";

let f: Fixture;
before(async () => {
  f = await startFixture();
});
after(async () => {
  await f?.close();
});

/** Tokens llama.cpp has evaluated on the model's sequence so far. */
async function inputTokens(): Promise<number> {
  const lease = await f.sidecar.registry.acquire("ts-bigram");
  try {
    return lease.model.tokensEvaluated;
  } finally {
    lease.release();
  }
}

const FILE = "export function add(a: number, b: number): number {\n  return a + b;\n}\n".repeat(3);

async function complete(prompt: string): Promise<string> {
  const c = await f.client.completions.create({ model: "ts-bigram", prompt, max_tokens: 8, temperature: 0 });
  return c.choices[0]!.text;
}

void describe("prompt prefix reuse", () => {
  void it("evaluates only the new tail of a prompt that extends the previous one, with the same answer as a cold run", async () => {
    const first = FILE + "const x";
    await complete(first);
    const before = await inputTokens();
    const extended = first + " = ad";
    const warm = await complete(extended);
    const evaluated = (await inputTokens()) - before;
    // The shared prefix is reused: far fewer than the prompt's 1 + length tokens are evaluated again.
    assert.ok(evaluated < 20, `evaluated ${evaluated} input tokens for a ${extended.length}-byte prompt`);
    // A different prompt in between, then the same one cold: the answer does not depend on the cache.
    await complete("zzz");
    const cold = await complete(extended);
    assert.equal(warm, cold);
  });

  void it("reads a single model through the direct native path, as the mixer's lanes do", async () => {
    const lease = await f.sidecar.registry.acquire("ts-bigram");
    try {
      assert.ok(lease.model.lane.native, "the loaded model fell back to node-llama-cpp's public evaluate path");
    } finally {
      lease.release();
    }
  });
});
