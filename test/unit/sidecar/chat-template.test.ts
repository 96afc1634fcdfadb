// Chat prompts: a GGUF that carries a chat template is prompted through it (the rendered template is exactly
// what the model reads), one without a template gets a plain transcript.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startFixture, writeTemplatedModel, type Fixture } from "./helpers";

let f: Fixture;
before(async () => {
  f = await startFixture({}, async (dir) => {
    await writeTemplatedModel(join(dir, "ts-bigram.gguf"), join(dir, "templated.gguf"));
  });
});
after(async () => {
  await f?.close();
});

async function chat(model: string) {
  const r = await fetch(`${f.sidecar.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${f.token}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "system", content: "be brief" }, { role: "user", content: "hi" }], max_tokens: 4, temperature: 0 }),
  });
  assert.equal(r.status, 200);
  return (await r.json()) as { usage: { prompt_tokens: number }; chorus: { prompt_format: string } };
}

void describe("chat prompts", () => {
  void it("use the model's chat template when the GGUF has one", async () => {
    const r = await chat("templated");
    assert.equal(r.chorus.prompt_format, "template");
    // Byte-level vocabulary: one token per byte of the rendered template.
    assert.equal(r.usage.prompt_tokens, Buffer.byteLength("<|system|>be brief\n<|user|>hi\n<|assistant|>"));
  });

  void it("fall back to a plain transcript without a template", async () => {
    const r = await chat("ts-bigram");
    assert.equal(r.chorus.prompt_format, "transcript");
    // BOS + "System: be brief\n\nUser: hi\n\nAssistant:"
    assert.equal(r.usage.prompt_tokens, 1 + Buffer.byteLength("System: be brief\n\nUser: hi\n\nAssistant:"));
  });
});
