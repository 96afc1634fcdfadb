// The trained demo models (models/demo/, made by training/): llama.cpp must read each Q8_0 GGUF as the same model
// PyTorch trained. Each model's JSON (written by training/export.py from the float32 checkpoint) holds, for a few
// held-out snippets, every token's log-probability; the sidecar's prompt scoring (echo + logprobs, the exact
// distribution) must give the same values within Q8_0's rounding — a wrong tensor layout, RoPE pairing or norm
// would be off by nats. The tokenizer check is the other half: llama.cpp's "gpt2" tokenizer with no merges must
// split any text, non-ASCII included, into exactly the bytes the trainer fed the model.

import assert from "node:assert/strict";
import { copyFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { startFixture, type Fixture } from "./helpers";

const MODELS = resolve(process.env.CHORUS_TRAINED_MODELS ?? "models/demo");

interface TrainingRecord {
  name: string;
  parity: { text: string; token_logprobs: number[] }[];
}

const records: TrainingRecord[] = existsSync(MODELS)
  ? readdirSync(MODELS)
      .filter((f) => f.endsWith(".json"))
      .map((f) => JSON.parse(readFileSync(join(MODELS, f), "utf8")) as TrainingRecord)
  : [];

// Q8_0 rounds every weight to 8 bits per 32-value block (and llama.cpp's CPU kernels also round the activations
// to Q8_0 before each product): small per-token differences, far below the nats a layout error produces. Measured
// on the shipped models: mean 0.005 nats; the worst single token 0.26 nats (the 64-wide weak model, on an unlikely
// byte, where rounding moves the tail of the distribution most).
const MEAN_TOLERANCE = 0.02;
const MAX_TOLERANCE = 0.5;

let f: Fixture;
before(async () => {
  f = await startFixture({ maxContext: 256 }, async (dir) => {
    for (const r of records) copyFileSync(join(MODELS, `${r.name}.gguf`), join(dir, `${r.name}.gguf`));
  });
});
after(async () => {
  await f?.close();
});

void describe("trained demo models in llama.cpp", () => {
  void it("ships the five models the demo and the quality benchmark use", () => {
    assert.deepEqual(records.map((r) => r.name).sort(), ["general", "py-expert", "ts-expert", "weak", "weak-ts"]);
  });

  for (const r of records) {
    void it(`${r.name}: llama.cpp's log-probabilities of held-out code match the PyTorch model's`, async () => {
      let sum = 0;
      let n = 0;
      let worst = 0;
      for (const snippet of r.parity) {
        const c = await f.client.completions.create({ model: r.name, prompt: snippet.text, echo: true, logprobs: 0, max_tokens: 0, temperature: 0 });
        const got = (c.choices[0]!.logprobs as { token_logprobs: (number | null)[] }).token_logprobs;
        assert.equal(got.length, snippet.token_logprobs.length + 1, "BOS, then one scored token per byte");
        snippet.token_logprobs.forEach((want, i) => {
          const diff = Math.abs(got[i + 1]! - want);
          sum += diff;
          n++;
          worst = Math.max(worst, diff);
        });
      }
      assert.ok(sum / n < MEAN_TOLERANCE, `mean |Δ logprob| ${(sum / n).toFixed(4)} nats`);
      assert.ok(worst < MAX_TOLERANCE, `worst |Δ logprob| ${worst.toFixed(4)} nats`);
    });
  }

  void it("llama.cpp tokenizes text into the bytes the trainer used, non-ASCII included", async () => {
    const first = records[0];
    assert.ok(first, "no trained models found");
    const text = "const café = `naïve ✓ ${x}`; // 日本\n\tdef f(): return 'ü'\r\n";
    const c = await f.client.completions.create({ model: first.name, prompt: text, echo: true, logprobs: 0, max_tokens: 0, temperature: 0 });
    const labels = (c.choices[0]!.logprobs as { tokens: string[] }).tokens;
    assert.equal(labels[0], "<|bos|>");
    // Each label is the token's text, or "bytes:\xNN" for a byte that is not text on its own (OpenAI's `bytes` idea).
    const bytes = labels.slice(1).flatMap((l) => (l.startsWith("bytes:") ? [parseInt(l.slice(8), 16)] : [...Buffer.from(l, "utf8")]));
    assert.deepEqual(bytes, [...Buffer.from(text, "utf8")], "one token per UTF-8 byte, in order: the trainer's ids are the bytes");
    assert.equal(labels.length - 1, Buffer.byteLength(text, "utf8"));
  });
});
