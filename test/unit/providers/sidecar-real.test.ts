/**
 * The sidecar provider against the real Chorus sidecar (llama.cpp running the project's bigram test models, from
 * test/unit/sidecar/helpers.ts): what the provider streams must equal what the sidecar answers unstreamed to the
 * npm `openai` client directly — text, logprobs and usage — and a wrong token or a stopped sidecar must read as
 * the errors a user can act on.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startFixture, TOKEN, type Fixture } from "../sidecar/helpers";
import { createSidecarProvider } from "../../../src/core/providers/sidecar";
import { ProviderError } from "../../../src/core/providers/errors";
import { collect } from "../../../src/core/providers/types";
import { failOnUnhandledRejections, streamError } from "./guard";

failOnUnhandledRejections();

let f: Fixture;
before(async () => {
  f = await startFixture();
});
after(async () => {
  await f?.close();
});

const quick = { retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 0 } };

void describe("sidecar provider over the real sidecar", () => {
  void it("lists the sidecar's models", async () => {
    const p = createSidecarProvider(() => ({ url: f.sidecar.url, token: TOKEN }), { policy: quick });
    const names = (await p.listModels()).map((m) => m.name);
    assert.ok(names.includes("ts-bigram") && names.includes("py-bigram"), names.join(", "));
  });

  void it("a streamed completion equals the sidecar's unstreamed answer, logprobs and usage included", async () => {
    const p = createSidecarProvider(() => ({ url: f.sidecar.url, token: TOKEN }), { policy: quick });
    const prompt = "return ";
    const direct = await f.client.completions.create({ model: "ts-bigram", prompt, max_tokens: 10, temperature: 0, logprobs: 2 });
    const mine = await collect(p.complete({ model: "ts-bigram", prefix: prompt, suffix: "", maxTokens: 10, temperature: 0, topLogprobs: 2 }));
    const choice = direct.choices[0]!;
    assert.equal(mine.text, choice.text);
    assert.equal(mine.finishReason, choice.finish_reason);
    assert.deepEqual(
      mine.logprobs.map((l) => l.logprob),
      choice.logprobs?.token_logprobs,
    );
    assert.deepEqual(
      mine.logprobs.map((l) => l.token),
      choice.logprobs?.tokens,
    );
    assert.equal(mine.usage.outputTokens, direct.usage?.completion_tokens);
    assert.equal(mine.usage.inputTokens, direct.usage?.prompt_tokens);
  });

  void it("streamed chat reassembles to the unstreamed reply", async () => {
    const p = createSidecarProvider(() => ({ url: f.sidecar.url, token: TOKEN }), { policy: quick });
    const messages = [{ role: "user" as const, content: "def add(a, b):" }];
    const direct = await f.client.chat.completions.create({ model: "py-bigram", messages, max_tokens: 12, temperature: 0 });
    const mine = await collect(p.chat({ model: "py-bigram", messages, maxTokens: 12, temperature: 0 }));
    assert.equal(mine.text, direct.choices[0]!.message.content);
    assert.equal(mine.usage.outputTokens, direct.usage?.completion_tokens);
  });

  void it("a stale token says to restart the sidecar", async () => {
    const p = createSidecarProvider(() => ({ url: f.sidecar.url, token: "stale-token-from-last-launch" }), { policy: quick });
    const e = await streamError(p.chat({ model: "ts-bigram", messages: [{ role: "user", content: "x" }] }));
    assert.ok(e instanceof ProviderError);
    assert.equal(e.kind, "unauthorized");
    assert.match(e.message, /Restart Sidecar/);
  });

  void it("a model the sidecar does not have is model_missing", async () => {
    const p = createSidecarProvider(() => ({ url: f.sidecar.url, token: TOKEN }), { policy: quick });
    const e = await streamError(p.chat({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }));
    assert.ok(e instanceof ProviderError);
    assert.equal(e.kind, "model_missing");
    assert.match(e.message, /no-such-model/);
  });
});
