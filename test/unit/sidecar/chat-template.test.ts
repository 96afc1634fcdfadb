// Chat prompts: a GGUF that carries a chat template is prompted through it (the rendered template is exactly
// what the model reads), one without a template gets a plain transcript.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startFixture, writeTemplatedModel, type Fixture } from "./helpers";

// A template is code from the model file (Jinja, run by node-llama-cpp): this one loops for ever. Rendered in the
// sidecar's own process it froze the event loop (and it ignored SIGTERM); now it runs in the helper process.
const LOOPING = "{% for i in range(100000000) %}{% for j in range(100000000) %}{% endfor %}{% endfor %}x";

let f: Fixture;
before(async () => {
  f = await startFixture({}, async (dir) => {
    await writeTemplatedModel(join(dir, "ts-bigram.gguf"), join(dir, "templated.gguf"));
    await writeTemplatedModel(join(dir, "ts-bigram.gguf"), join(dir, "looping.gguf"), LOOPING);
  });
});
after(async () => {
  await f?.close();
});

async function chat(model: string) {
  const r = await fetch(`${f.sidecar.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${f.token}`, "content-type": "application/json" },
    body: JSON.stringify({
      model,
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hi" },
      ],
      max_tokens: 4,
      temperature: 0,
    }),
  });
  assert.equal(r.status, 200);
  return (await r.json()) as { usage: { prompt_tokens: number }; chorus: { prompt_format: string; prompt_note?: string } };
}

void describe("chat prompts", () => {
  void it("use the model's chat template when the GGUF has one", async () => {
    const r = await chat("templated");
    assert.equal(r.chorus.prompt_format, "template", JSON.stringify(r.chorus));
    // Byte-level vocabulary: one token per byte of the rendered template.
    assert.equal(r.usage.prompt_tokens, Buffer.byteLength("<|system|>be brief\n<|user|>hi\n<|assistant|>"));
  });

  void it("fall back to the transcript, with a note, when the template loops; the sidecar keeps answering meanwhile", async () => {
    const pending = chat("looping");
    // The event loop stays free while the template runs elsewhere: the model list answers at once.
    const t = Date.now();
    const list = await f.client.models.list();
    assert.ok(Date.now() - t < 2000 && list.data.length > 0);
    const r = await pending;
    assert.equal(r.chorus.prompt_format, "transcript");
    assert.match(r.chorus.prompt_note ?? "", /chat template was not used/);
    // Remembered for this file: the next request does not wait for the template again.
    const again = Date.now();
    assert.equal((await chat("looping")).chorus.prompt_format, "transcript");
    assert.ok(Date.now() - again < 5000);
  });

  void it("fall back to a plain transcript without a template", async () => {
    const r = await chat("ts-bigram");
    assert.equal(r.chorus.prompt_format, "transcript");
    // BOS + "System: be brief\n\nUser: hi\n\nAssistant:"
    assert.equal(r.usage.prompt_tokens, 1 + Buffer.byteLength("System: be brief\n\nUser: hi\n\nAssistant:"));
  });
});
