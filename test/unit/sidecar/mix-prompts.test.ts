// A mixing preset's lanes read the prompt their own model expects, exactly as the model alone would on the same
// route (issue #18.2): an editor completion with text after the cursor is laid out in the model's FIM tokens
// (<PRE> prefix <SUF> suffix <MID>, generation/prompts.ts), and a conversation goes through the model's chat
// template. A product of a model at weight 1 and another at weight 0 mixes nothing in, so it must answer token for
// token like its first model, while its second lane (same vocabulary, other metadata) reads its own model's layout.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { makeBigramModel } from "../../../src/sidecar/testmodels/bigram";
import { startFixture, TS_CORPUS, writeFimModel, writeTemplatedModel, type Fixture } from "./helpers";

const solo = (model: string, silent: string) => ({
  strategy: "product",
  models: [
    { model, weight: 1 },
    { model: silent, weight: 0 },
  ],
});

let f: Fixture;
before(async () => {
  f = await startFixture(
    {
      presets: {
        "solo-fim": solo("fim-bigram", "plain-261"),
        "solo-plain": solo("plain-261", "fim-bigram"),
        "solo-templated": solo("templated", "ts-bigram"),
        "solo-ts": solo("ts-bigram", "templated"),
      },
    },
    async (dir) => {
      const fim = await makeBigramModel({ corpus: TS_CORPUS, out: join(dir, "plain-261.gguf"), vocabSize: 261 });
      await writeFimModel(fim.path, join(dir, "fim-bigram.gguf"));
      await writeTemplatedModel(join(dir, "ts-bigram.gguf"), join(dir, "templated.gguf"));
    },
  );
});
after(async () => {
  await f?.close();
});

interface Reply {
  text: string;
  usage: { prompt_tokens: number };
  chorus: { prompt_format: string };
}

async function post(route: "completions" | "chat/completions", body: Record<string, unknown>): Promise<Reply> {
  const r = await fetch(`${f.sidecar.url}/v1/${route}`, {
    method: "POST",
    headers: { authorization: `Bearer ${f.token}`, "content-type": "application/json" },
    body: JSON.stringify({ max_tokens: 8, temperature: 0, ...body }),
  });
  const json = (await r.json()) as Record<string, unknown>;
  assert.equal(r.status, 200, JSON.stringify(json));
  type Choice = { text?: string; message?: { content: string } };
  const choice = (json.choices as Choice[])[0]!;
  return {
    text: choice.text ?? choice.message?.content ?? "",
    usage: json.usage as Reply["usage"],
    chorus: json.chorus as Reply["chorus"],
  };
}

void describe("mixing presets use the prompt each lane's model expects", () => {
  void it("a completion with a suffix is laid out in the lane's FIM tokens, as for the model alone", async () => {
    const prefix = "function f(";
    const suffix = ") {}";
    const mixed = await post("completions", { model: "chorus/solo-fim", prompt: prefix, suffix });
    const single = await post("completions", { model: "fim-bigram", prompt: prefix, suffix });
    assert.equal(mixed.chorus.prompt_format, "fim");
    // BOS + PRE + prefix bytes + SUF + suffix bytes + MID: the suffix reached the lane.
    assert.equal(mixed.usage.prompt_tokens, 1 + 1 + prefix.length + 1 + suffix.length + 1);
    assert.equal(mixed.text, single.text);
  });

  void it("a lane whose model has no FIM tokens completes the prefix alone, as the model alone does", async () => {
    const mixed = await post("completions", { model: "chorus/solo-plain", prompt: "function f(", suffix: ") {}" });
    assert.equal(mixed.chorus.prompt_format, "prefix-only");
    assert.equal(mixed.usage.prompt_tokens, 1 + "function f(".length);
  });

  void it("a suffix that does not fit gives way line by line when truncation is asked for", async () => {
    // Longer than the 2048-token mixing context (one token per byte).
    const prefix = "const a = 1;\n".repeat(100) + "function f(";
    const suffix = ") {}\n" + "const b = 2;\n".repeat(100);
    const mixed = await post("completions", { model: "chorus/solo-fim", prompt: prefix, suffix, truncate_prompt_tokens: -1, max_tokens: 4 });
    const single = await post("completions", { model: "fim-bigram", prompt: prefix, suffix, truncate_prompt_tokens: -1, max_tokens: 4 });
    assert.equal(mixed.chorus.prompt_format, "fim");
    assert.ok(mixed.usage.prompt_tokens < 1 + prefix.length + suffix.length, "the prompt was cut to fit");
    assert.equal(mixed.text, single.text);
  });

  void it("a conversation goes through the lane's chat template, as for the model alone", async () => {
    const messages = [
      { role: "system", content: "be brief" },
      { role: "user", content: "hi" },
    ];
    const mixed = await post("chat/completions", { model: "chorus/solo-templated", messages });
    const single = await post("chat/completions", { model: "templated", messages });
    assert.equal(mixed.chorus.prompt_format, "template");
    assert.equal(mixed.usage.prompt_tokens, single.usage.prompt_tokens);
    assert.equal(mixed.text, single.text);
  });

  void it("a lane whose model has no chat template reads the plain transcript the model alone reads", async () => {
    const messages = [{ role: "user", content: "hi" }];
    const mixed = await post("chat/completions", { model: "chorus/solo-ts", messages });
    const single = await post("chat/completions", { model: "ts-bigram", messages });
    assert.equal(mixed.chorus.prompt_format, "transcript");
    assert.equal(mixed.usage.prompt_tokens, single.usage.prompt_tokens);
    assert.equal(mixed.text, single.text);
  });
});
