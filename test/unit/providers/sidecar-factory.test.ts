/**
 * The sidecar provider (endpoint and token asked per request, clear error when none runs) and createProvider,
 * against fake OpenAI-compatible servers that require the per-launch token.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startFakeOllama } from "../../fixtures/fake-ollama";
import { startFakeOpenAI } from "../../fixtures/fake-openai";
import { createSidecarProvider, SIDECAR_NOT_RUNNING } from "../../../src/core/providers/sidecar";
import { createProvider, providerFactory } from "../../../src/core/providers/factory";
import { ProviderError } from "../../../src/core/providers/errors";
import { collect } from "../../../src/core/providers/types";
import type { ModelConfig } from "../../../src/core/config";
import { failOnUnhandledRejections, streamError } from "./guard";

failOnUnhandledRejections();

const quick = { retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 0 } };
const ask = { model: "chorus/tiny", messages: [{ role: "user" as const, content: "hi" }] };

void describe("sidecar provider", () => {
  void it("says the sidecar is not running when there is none", async () => {
    const p = createSidecarProvider(() => undefined, { policy: quick });
    const e = await streamError(p.chat(ask));
    assert.ok(e instanceof ProviderError);
    assert.equal(e.kind, "unreachable");
    assert.equal(e.message, SIDECAR_NOT_RUNNING);
    assert.match(e.message, /^The Chorus sidecar is not running — /);
    await assert.rejects(p.listModels(), (err: unknown) => err instanceof ProviderError && err.message === SIDECAR_NOT_RUNNING);
    assert.equal(p.endpoint, "the Chorus sidecar");
  });

  void it("follows a restart to a new port and token, and sends FIM with the native suffix", async () => {
    const a = await startFakeOpenAI({ models: ["chorus/tiny"], apiKey: "token-1", replyPrefix: "from A: " });
    const b = await startFakeOpenAI({ models: ["chorus/tiny"], apiKey: "token-2", replyPrefix: "from B: " });
    try {
      // The host hands out the URL without /v1 on purpose: the provider adds it.
      let current = { url: a.url.replace(/\/v1$/, ""), token: "token-1" };
      const p = createSidecarProvider(() => current, { policy: quick });
      assert.equal((await collect(p.chat(ask))).text, "from A: chorus/tiny");
      current = { url: b.url, token: "token-2" };
      assert.equal((await collect(p.chat(ask))).text, "from B: chorus/tiny");
      assert.equal(p.endpoint, b.url);
      await collect(p.complete({ model: "chorus/tiny", prefix: "x = ", suffix: "\n" }));
      assert.equal(b.requests.at(-1)?.body?.suffix, "\n");
    } finally {
      await a.close();
      await b.close();
    }
  });

  void it("a rejected token points at restarting the sidecar", async () => {
    const s = await startFakeOpenAI({ models: ["chorus/tiny"], apiKey: "fresh" });
    try {
      const p = createSidecarProvider(() => ({ url: s.url, token: "stale" }), { policy: quick });
      const e = await streamError(p.chat(ask));
      assert.ok(e instanceof ProviderError);
      assert.equal(e.kind, "unauthorized");
      assert.match(e.message, /Restart Sidecar/);
    } finally {
      await s.close();
    }
  });
});

void describe("createProvider", () => {
  void it("builds each kind against its endpoint, with the model's own endpoint winning over chorus.ollamaUrl", async () => {
    const ollama = await startFakeOllama({ models: ["qwen2.5-coder:1.5b"] });
    const openai = await startFakeOpenAI({ models: ["gpt-4o-mini"], apiKey: "sk-1" });
    try {
      const local: ModelConfig = { id: "local", provider: "ollama", model: "qwen2.5-coder:1.5b" };
      const p1 = createProvider(local, undefined, { ollamaUrl: ollama.url, policy: quick });
      assert.equal(p1.kind, "ollama");
      assert.equal(p1.endpoint, ollama.url);
      assert.equal((await collect(p1.chat({ ...ask, model: local.model }))).text, "reply from qwen2.5-coder:1.5b");
      const p1b = createProvider({ ...local, endpoint: "http://127.0.0.1:1" }, undefined, { ollamaUrl: ollama.url });
      assert.equal(p1b.endpoint, "http://127.0.0.1:1");

      const cloud: ModelConfig = { id: "cloud", provider: "openai", model: "gpt-4o-mini", endpoint: openai.url };
      const make = providerFactory({ policy: quick });
      const p2 = make(cloud, "sk-1");
      assert.equal(p2.kind, "openai");
      assert.equal((await collect(p2.chat({ ...ask, model: cloud.model }))).text, "reply from gpt-4o-mini");
      assert.equal(openai.requests.at(-1)?.headers.authorization, "Bearer sk-1");

      assert.equal(createProvider({ id: "o", provider: "openai", model: "gpt-4o" }, "k").endpoint, "https://api.openai.com/v1");
      const side = createProvider({ id: "s", provider: "sidecar", model: "chorus/tiny" }, undefined, {
        sidecar: () => ({ url: "http://127.0.0.1:5555", token: "t" }),
      });
      assert.equal(side.kind, "sidecar");
      assert.equal(side.endpoint, "http://127.0.0.1:5555/v1");
    } finally {
      await ollama.close();
      await openai.close();
    }
  });

  void it("states capabilities per endpoint", () => {
    const openai = createProvider({ id: "o", provider: "openai", model: "gpt-4o" }, "k");
    assert.deepEqual(openai.capabilities("gpt-4o"), { fim: false, logprobs: true, embeddings: false });
    assert.equal(openai.capabilities("o3-mini").logprobs, false, "reasoning models refuse logprobs");
    assert.equal(openai.capabilities("text-embedding-3-small").embeddings, true);
    const vllm = createProvider({ id: "v", provider: "openai", model: "x", endpoint: "http://gpu-box:8000/v1" }, undefined);
    assert.equal(vllm.capabilities("Qwen/Qwen2.5-Coder-7B").fim, true);
    assert.equal(vllm.capabilities("meta-llama/Llama-3.1-8B-Instruct").fim, false);
    const ollama = createProvider({ id: "l", provider: "ollama", model: "x" }, undefined);
    assert.equal(ollama.capabilities("nomic-embed-text").fim, false);
    assert.equal(ollama.capabilities("qwen2.5-coder:1.5b").fim, true);
  });
});

void describe("createProvider with per-model tuning", () => {
  void it("honours capability overrides, FIM mode and family, and Ollama keep_alive", async () => {
    const ollama = await startFakeOllama({ models: ["m"] });
    const openai = await startFakeOpenAI({ models: ["custom-coder"], suffix: "supported" });
    try {
      const o = createProvider({ id: "l", provider: "ollama", model: "m", keepAlive: "1h" }, undefined, { ollamaUrl: ollama.url, policy: quick });
      await collect(o.chat({ ...ask, model: "m" }));
      assert.equal(ollama.requests.at(-1)?.body?.keep_alive, "1h");
      const o2 = createProvider({ id: "l2", provider: "ollama", model: "m" }, undefined, { ollamaUrl: ollama.url, ollamaKeepAlive: -1, policy: quick });
      await collect(o2.chat({ ...ask, model: "m" }));
      assert.equal(ollama.requests.at(-1)?.body?.keep_alive, -1);

      const tuned = createProvider(
        {
          id: "c",
          provider: "openai",
          model: "custom-coder",
          endpoint: openai.url,
          fim: "template",
          fimFamily: "starcoder",
          capabilities: { logprobs: false },
        },
        undefined,
        { policy: quick },
      );
      assert.equal(tuned.capabilities("custom-coder").logprobs, false);
      assert.equal(tuned.capabilities("custom-coder").fim, true);
      await collect(tuned.complete({ model: "custom-coder", prefix: "P", suffix: "S" }));
      assert.equal(openai.requests.at(-1)?.body?.prompt, "<fim_prefix>P<fim_suffix>S<fim_middle>");
    } finally {
      await ollama.close();
      await openai.close();
    }
  });
});
