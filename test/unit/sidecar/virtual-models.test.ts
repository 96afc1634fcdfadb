// Virtual models: presets served as "chorus/<name>". What the sidecar returns must be exactly what the mixing
// engineer's createMixer produces on the same models and parameters; request-level "chorus" parameters override
// the preset; a vocabulary mismatch, a bad parameter and an unknown preset get clear 400/404 answers.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { LlamaModel } from "node-llama-cpp";
import { APIError, NotFoundError } from "openai";
import { createMixer } from "../../../src/sidecar/mixing/mixer";
import { parseMixSpec, type MixSpec } from "../../../src/sidecar/mixing/spec";
import { getRuntime } from "../../../src/sidecar/registry/llama-runtime";
import { makeBigramModel } from "../../../src/sidecar/testmodels/bigram";
import { startFixture, TS_CORPUS, type Fixture } from "./helpers";

const PRESETS = {
  "poe-ts-py": {
    strategy: "product",
    models: [
      { model: "ts-bigram", weight: 1 },
      { model: "py-bigram", weight: 1 },
    ],
  },
  "contrastive-ts": { description: "TS minus Python", strategy: "contrastive", expert: "ts-bigram", amateur: "py-bigram", alpha: 0.1, beta: 0.5 },
  "defer-py-ts": { strategy: "deferral", small: "py-bigram", large: "ts-bigram", tau: 0.4 },
  "ccd-ts": { strategy: "context-contrastive", model: "ts-bigram", beta: 0.5 },
  broken: { strategy: "contrastive", expert: "ts-bigram" },
  mismatched: {
    strategy: "product",
    models: [
      { model: "ts-bigram", weight: 1 },
      { model: "wide-vocab", weight: 1 },
    ],
  },
};

let f: Fixture;
const direct: LlamaModel[] = [];
before(async () => {
  f = await startFixture({ presets: PRESETS }, async (dir) => {
    // Same bytes, but a vocabulary padded to 300 tokens: cannot be mixed with the 258-token models.
    // 400 ids against 258: more apart than the 128 padding ids two models of one tokenizer may differ by (vocab.ts).
    await makeBigramModel({ corpus: TS_CORPUS, out: join(dir, "wide-vocab.gguf"), vocabSize: 400 });
  });
});
after(async () => {
  await Promise.all(direct.map((m) => m.dispose()));
  await f?.close();
});

/** The same models loaded outside the sidecar, and the mixer run on them directly. */
async function mixerOutput(
  spec: MixSpec,
  prompt: string,
  maxTokens: number,
  topLogprobs = 0,
  sampling = { temperature: 0, topP: 1, seed: 3 as number | undefined },
  context?: string,
) {
  const llama = await getRuntime({ gpu: false });
  const load = async (name: string) => {
    const m = await llama.loadModel({ modelPath: join(f.dir, `${name}.gguf`), gpuLayers: 0 });
    direct.push(m);
    return m;
  };
  const mixer = await createMixer(spec, load, { threads: 1 });
  try {
    return await mixer.generate({ prompt, context, maxTokens, topLogprobs, sampling });
  } finally {
    await mixer.dispose();
  }
}

void describe("virtual models (presets)", () => {
  void it("lists the presets as chorus/<name> beside the real models", async () => {
    const models = (await f.client.models.list()).data.map((m) => m.id);
    for (const name of ["chorus/poe-ts-py", "chorus/contrastive-ts", "chorus/defer-py-ts", "ts-bigram"])
      assert.ok(models.includes(name), `${name} in ${models.join(", ")}`);
  });

  void it("reports a preset that does not validate, and serves the others", async () => {
    const r = await fetch(`${f.sidecar.url}/v1/models`, { headers: { authorization: `Bearer ${f.token}` } });
    const body = (await r.json()) as { data: { id: string }[]; chorus: { problems: string[] } };
    assert.ok(!body.data.some((m) => m.id === "chorus/broken"));
    assert.ok(
      body.chorus.problems.some((p) => /broken/.test(p) && /amateur/.test(p)),
      body.chorus.problems.join(" | "),
    );
  });

  void it("a product-of-experts preset returns exactly the mixer's text and logprobs", async () => {
    const prompt = "def total(items):\n    return ";
    const served = await f.client.completions.create({ model: "chorus/poe-ts-py", prompt, max_tokens: 20, temperature: 0, logprobs: 2 });
    const mixed = await mixerOutput(parseMixSpec(PRESETS["poe-ts-py"]), prompt, 20, 2);
    assert.equal(served.choices[0]!.text, mixed.text);
    assert.ok(mixed.text.length > 0);
    assert.deepEqual(
      served.choices[0]!.logprobs!.token_logprobs,
      mixed.tokens.map((t) => t.logprob),
    );
  });

  void it("a preset fits a too-long completion prompt by whole lines when asked, and mixes what it kept", async () => {
    const line = `${"y".repeat(58)};\n`;
    const cursor = "return ";
    const prompt = `${line.repeat(60)}${cursor}`; // 3600 byte tokens: over any mixing context here
    const body = { model: "chorus/poe-ts-py", prompt, max_tokens: 8, temperature: 0 };
    await assert.rejects(
      f.client.completions.create(body),
      (e: unknown) => e instanceof APIError && e.status === 400 && e.code === "context_length_exceeded" && /does not fit/.test(e.message),
    );
    const served = await f.client.completions.create({ ...body, truncate_prompt_tokens: -1 } as typeof body);
    const kept = served.usage!.prompt_tokens - 1 - cursor.length; // less BOS and the cursor's line
    assert.ok(kept > 0 && kept % line.length === 0, `whole lines kept: ${served.usage!.prompt_tokens} prompt tokens`);
    const mixed = await mixerOutput(parseMixSpec(PRESETS["poe-ts-py"]), `${line.repeat(kept / line.length)}${cursor}`, 8);
    assert.equal(served.choices[0]!.text, mixed.text);
  });

  void it("streams a sampled contrastive preset identically to the mixer with the same seed", async () => {
    const prompt = "function add(a: number, ";
    const stream = await f.client.chat.completions.create({
      model: "chorus/contrastive-ts",
      messages: [{ role: "user", content: prompt }],
      max_tokens: 16,
      temperature: 0.8,
      seed: 11,
      stream: true,
    });
    let text = "";
    for await (const c of stream) text += c.choices[0]?.delta.content ?? "";
    const { description: _d, ...spec } = PRESETS["contrastive-ts"];
    const mixed = await mixerOutput(parseMixSpec(spec), `User: ${prompt}\n\nAssistant:`, 16, 0, { temperature: 0.8, topP: 1, seed: 11 });
    // The chat route also stops where the transcript's next "User:" turn would begin.
    const cuts = ["\n\nUser:", "\nUser:"].map((s) => mixed.text.indexOf(s)).filter((i) => i >= 0);
    assert.equal(text, cuts.length ? mixed.text.slice(0, Math.min(...cuts)) : mixed.text);
    assert.ok(text.length > 0);
  });

  void it("request-level chorus parameters override the preset", async () => {
    const prompt = "const total = ";
    const post = async (body: unknown) => {
      const r = await fetch(`${f.sidecar.url}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${f.token}` },
        body: JSON.stringify(body),
      });
      return (await r.json()) as { choices: { text: string }[]; chorus: { writers: Record<string, number> } };
    };
    const base = { model: "chorus/defer-py-ts", prompt, max_tokens: 24, temperature: 0 };
    // tau 0: the small model is always confident enough; tau 1: the large model writes every token.
    const small = await post({ ...base, chorus: { tau: 0 } });
    const large = await post({ ...base, chorus: { tau: 1 } });
    assert.deepEqual(small.chorus.writers, { small: 24 });
    assert.deepEqual(large.chorus.writers, { large: 24 });
    const expectSmall = await mixerOutput(parseMixSpec({ ...PRESETS["defer-py-ts"], tau: 0 }), prompt, 24);
    assert.equal(small.choices[0]!.text, expectSmall.text);
  });

  void it("context-contrastive presets take the context from chorus.context and match the mixer", async () => {
    const context = "interface User { id: string; name: string }\n";
    const prompt = "const user: User = { na";
    const post = (body: unknown) =>
      fetch(`${f.sidecar.url}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${f.token}` },
        body: JSON.stringify(body),
      });
    const r = await post({ model: "chorus/ccd-ts", prompt, max_tokens: 12, temperature: 0, chorus: { context } });
    assert.equal(r.status, 200);
    const served = (await r.json()) as { choices: { text: string }[] };
    const mixed = await mixerOutput(parseMixSpec(PRESETS["ccd-ts"]), prompt, 12, 0, { temperature: 0, topP: 1, seed: 3 }, context);
    assert.equal(served.choices[0]!.text, mixed.text);
    const missing = await post({ model: "chorus/ccd-ts", prompt, max_tokens: 4 });
    assert.equal(missing.status, 400);
    assert.match(((await missing.json()) as { error: { message: string } }).error.message, /context/);
    // Lookahead changes how many tokens a step checks, never the text; a bad value is a 400.
    const noLookahead = await post({ model: "chorus/ccd-ts", prompt, max_tokens: 12, temperature: 0, chorus: { context, lookahead: 0 } });
    assert.equal(((await noLookahead.json()) as { choices: { text: string }[] }).choices[0]!.text, mixed.text);
    const badLookahead = await post({ model: "chorus/ccd-ts", prompt, max_tokens: 4, chorus: { context, lookahead: 99 } });
    assert.equal(badLookahead.status, 400);
    assert.match(((await badLookahead.json()) as { error: { message: string } }).error.message, /lookahead must be an integer from 0 to 16/);
    const onReal = await post({ model: "ts-bigram", prompt, max_tokens: 4, chorus: { beta: 1 } });
    assert.equal(onReal.status, 400);
    assert.match(((await onReal.json()) as { error: { message: string } }).error.message, /mixing presets/);
  });

  void it("refuses a vocabulary mismatch with a 400 that names both models", async () => {
    await assert.rejects(f.client.completions.create({ model: "chorus/mismatched", prompt: "a", max_tokens: 2 }), (e: unknown) => {
      assert.ok(e instanceof APIError);
      assert.equal(e.status, 400);
      assert.equal(e.code, "vocabulary_mismatch");
      assert.match(e.message, /ts-bigram/);
      assert.match(e.message, /wide-vocab/);
      return true;
    });
  });

  void it("refuses an unknown preset (404) and a bad override (400), and keeps serving", async () => {
    await assert.rejects(
      f.client.completions.create({ model: "chorus/nope", prompt: "a", max_tokens: 2 }),
      (e: unknown) => e instanceof NotFoundError && /chorus\/poe-ts-py/.test(e.message),
    );
    const r = await fetch(`${f.sidecar.url}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${f.token}` },
      body: JSON.stringify({ model: "chorus/contrastive-ts", prompt: "a", max_tokens: 2, chorus: { beta: "lots" } }),
    });
    assert.equal(r.status, 400);
    assert.match(((await r.json()) as { error: { message: string } }).error.message, /beta/);
    const ok = await f.client.completions.create({ model: "chorus/poe-ts-py", prompt: "a", max_tokens: 3, temperature: 0 });
    assert.equal(ok.choices[0]!.text.length, 3);
  });
});
