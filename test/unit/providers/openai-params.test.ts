/**
 * Reasoning models and the parameters each OpenAI-compatible cloud refuses, against the fake server reproducing each
 * cloud's real replies (test/fixtures/net/openai-quirks.ts cites where each wording comes from). A cloud's host name
 * decides some rules, so requests for "https://api.openai.com" etc. are routed to the fake by a fetch that swaps the
 * origin and keeps the path.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startFakeOpenAI, type FakeServer } from "../../fixtures/fake-openai";
import { OpenAIProvider } from "../../../src/core/providers/openai";
import { ProviderError } from "../../../src/core/providers/errors";
import { lessonFrom } from "../../../src/core/providers/openai-params";
import { collect } from "../../../src/core/providers/types";
import { failOnUnhandledRejections, streamError } from "./guard";

failOnUnhandledRejections();

const noRetry = { retries: 0, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 0 };

/** A fetch that sends requests for `cloud` (a URL prefix) to the fake (at `under` there), the rest of the URL kept. */
function via(fake: FakeServer, cloud: string, under = ""): typeof fetch {
  const origin = new URL(fake.url).origin;
  return (input, init) => fetch(String(input).replace(cloud, origin + under), init);
}

const ask = [{ role: "user" as const, content: "why?" }];

void describe("OpenAI reasoning models (o-series, gpt-5)", () => {
  let fake: FakeServer;
  before(async () => {
    fake = await startFakeOpenAI({
      models: ["o3-mini", "gpt-4o-mini"],
      apiKey: "sk-t",
      reasoning: { models: ["o3-mini"], reasoningTokens: 10 },
      reply: () => "because it is",
    });
  });
  after(() => fake.close());
  const openai = (extra: Partial<ConstructorParameters<typeof OpenAIProvider>[0]> = {}): OpenAIProvider =>
    new OpenAIProvider({
      target: { baseURL: "https://api.openai.com/v1", apiKey: "sk-t" },
      fetch: via(fake, "https://api.openai.com"),
      policy: { retry: noRetry },
      ...extra,
    });

  void it("are asked without temperature, top_p and logprobs, with max_completion_tokens, in one request (known by name)", async () => {
    const start = fake.requests.length;
    const c = await collect(openai().chat({ model: "o3-mini", messages: ask, maxTokens: 100, temperature: 0.2, topP: 0.9, topLogprobs: 0 }));
    assert.equal(c.text, "because it is");
    const sent = fake.requests.slice(start);
    assert.equal(sent.length, 1, "no refused attempt first");
    const body = sent[0]!.body!;
    assert.equal(body.max_completion_tokens, 100);
    for (const p of ["max_tokens", "temperature", "top_p", "logprobs", "top_logprobs"]) assert.equal(body[p], undefined, p);
    assert.equal(openai().capabilities("o3-mini").logprobs, false);
  });

  void it("count reasoning tokens apart in usage (completion_tokens_details.reasoning_tokens)", async () => {
    const c = await collect(openai().chat({ model: "o3-mini", messages: ask, maxTokens: 100 }));
    assert.deepEqual(c.usage, { inputTokens: 1, outputTokens: 10 + 3, reasoningTokens: 10 });
  });

  void it("say so when the whole output limit went to reasoning, and which setting to raise", async () => {
    const e = await streamError(openai().chat({ model: "o3-mini", messages: ask, maxTokens: 8 }));
    assert.ok(e instanceof ProviderError);
    assert.equal(e.kind, "output_limit");
    assert.equal(
      e.message,
      `'o3-mini' at https://api.openai.com/v1 spent its whole output limit (8 of 8 tokens) on reasoning and wrote no answer — raise "maxOutputTokens" for this model in chorus.models, or set its "reasoningEffort" to "low".`,
    );
    assert.deepEqual(e.details.usage, { inputTokens: 1, outputTokens: 8, reasoningTokens: 8 }, "the billed tokens travel with the error");
  });

  void it("take the model's own output limit and reasoning effort from its settings", async () => {
    const c = await collect(openai({ maxOutputTokens: 50, reasoningEffort: "low" }).chat({ model: "o3-mini", messages: ask, maxTokens: 8 }));
    assert.equal(c.text, "because it is");
    const body = fake.requests.at(-1)!.body!;
    assert.equal(body.max_completion_tokens, 50);
    assert.equal(body.reasoning_effort, "low");
  });

  void it("leave other models' empty replies cut by the limit as empty replies, not errors", async () => {
    fake.setReply(() => ({
      tokens: [
        { token: "", logprob: 0 },
        { token: "x", logprob: 0 },
      ],
    }));
    try {
      const c = await collect(openai().chat({ model: "gpt-4o-mini", messages: ask, maxTokens: 1 }));
      assert.deepEqual([c.text, c.finishReason], ["", "length"]);
    } finally {
      fake.setReply(() => "because it is");
    }
  });

  void it("leave other OpenAI models their sampling parameters", async () => {
    await collect(openai().chat({ model: "gpt-4o-mini", messages: ask, maxTokens: 20, temperature: 0.2, topLogprobs: 0 }));
    const body = fake.requests.at(-1)!.body!;
    assert.equal(body.temperature, 0.2);
    assert.equal(body.logprobs, true);
    assert.equal(body.max_completion_tokens, 20);
  });
});

void describe("A reasoning model whose name does not say so (a proxy, a deployment name)", () => {
  void it("learns from the server's 400s: max_completion_tokens for max_tokens, no temperature — retried once per lesson and remembered", async () => {
    const fake = await startFakeOpenAI({ models: ["company-reasoner"], reasoning: { models: ["company-reasoner"], reasoningTokens: 0 }, reply: () => "ok" });
    try {
      const p = new OpenAIProvider({ target: { baseURL: fake.url }, policy: { retry: noRetry } });
      const c = await collect(p.chat({ model: "company-reasoner", messages: ask, maxTokens: 30, temperature: 0.2 }));
      assert.equal(c.text, "ok");
      const shapes = fake.requests.map((r) => [r.body?.max_tokens !== undefined ? "max_tokens" : "max_completion_tokens", r.body?.temperature ?? "-"]);
      assert.deepEqual(shapes, [
        ["max_tokens", 0.2],
        ["max_completion_tokens", 0.2],
        ["max_completion_tokens", "-"],
      ]);
      await collect(p.chat({ model: "company-reasoner", messages: ask, maxTokens: 30, temperature: 0.2 }));
      assert.equal(fake.requests.length, 4, "the next request is right the first time");
    } finally {
      await fake.close();
    }
  });

  void it("does not retry a 400 that names no parameter", async () => {
    const fake = await startFakeOpenAI({
      models: ["m"],
      fault: {
        kind: "status",
        status: 400,
        body: {
          error: {
            message: "Invalid 'messages[0].content': string too long.",
            type: "invalid_request_error",
            param: "messages[0].content",
            code: "string_above_max_length",
          },
        },
      },
    });
    try {
      const p = new OpenAIProvider({ target: { baseURL: fake.url }, policy: { retry: noRetry } });
      const e = await streamError(p.chat({ model: "m", messages: ask, temperature: 0.2 }));
      assert.ok(e instanceof ProviderError);
      assert.equal(fake.requests.length, 1);
      assert.match(e.message, /string too long/);
    } finally {
      await fake.close();
    }
  });
});

void describe("Providers that refuse logprobs", () => {
  void it("Gemini's OpenAI layer: its list-wrapped 400 is read, logprobs are dropped for the model, and the answer comes", async () => {
    const fake = await startFakeOpenAI({ models: ["gemini-2.5-pro"], refuseLogprobs: { models: ["gemini-2.5-pro"], style: "gemini" }, reply: () => "answer" });
    try {
      const gemini = "https://generativelanguage.googleapis.com";
      const p = new OpenAIProvider({
        target: { baseURL: `${gemini}/v1beta/openai` },
        fetch: via(fake, `${gemini}/v1beta/openai`, "/v1"),
        policy: { retry: noRetry },
      });
      assert.equal(p.capabilities("gemini-2.5-pro").logprobs, true, "assumed until the server says otherwise");
      const c = await collect(p.chat({ model: "gemini-2.5-pro", messages: ask, topLogprobs: 0 }));
      assert.equal(c.text, "answer");
      assert.deepEqual(
        fake.requests.map((r) => r.body?.logprobs),
        [true, undefined],
      );
      assert.equal(p.capabilities("gemini-2.5-pro").logprobs, false, "learned: the cascade will not ask again");
    } finally {
      await fake.close();
    }
  });

  void it("Gemini's list-wrapped errors keep their message (the SDK alone says '400 status code (no body)')", async () => {
    const body = [{ error: { code: 400, message: "Request contains an invalid argument.", status: "INVALID_ARGUMENT" } }];
    const fake = await startFakeOpenAI({ models: ["gemini-2.5-flash"], fault: { kind: "status", status: 400, body } });
    try {
      const p = new OpenAIProvider({ target: { baseURL: fake.url }, policy: { retry: noRetry } });
      const e = await streamError(p.chat({ model: "gemini-2.5-flash", messages: ask }));
      assert.ok(e instanceof ProviderError);
      assert.match(e.message, /server said: Request contains an invalid argument\./);
    } finally {
      await fake.close();
    }
  });

  void it("DeepSeek's reasoner: not asked for logprobs on api.deepseek.com; elsewhere its refusal is learned", async () => {
    const fake = await startFakeOpenAI({
      models: ["deepseek-reasoner"],
      deepseek: true,
      refuseLogprobs: { models: ["deepseek-reasoner"], style: "deepseek" },
      reply: () => "42",
    });
    try {
      const ds = "https://api.deepseek.com";
      const direct = new OpenAIProvider({ target: { baseURL: ds }, fetch: via(fake, ds), policy: { retry: noRetry } });
      assert.equal(direct.capabilities("deepseek-reasoner").logprobs, false);
      await collect(direct.chat({ model: "deepseek-reasoner", messages: ask, topLogprobs: 0 }));
      assert.deepEqual(
        fake.requests.map((r) => [r.path, r.body?.logprobs]),
        [["/chat/completions", undefined]],
      );
    } finally {
      await fake.close();
    }
    const proxy = await startFakeOpenAI({
      models: ["deepseek-reasoner"],
      refuseLogprobs: { models: ["deepseek-reasoner"], style: "deepseek" },
      reply: () => "42",
    });
    try {
      // A proxy that names the model differently ("ds-r1") gives the name rule nothing to go on.
      const p = new OpenAIProvider({ target: { baseURL: proxy.url }, policy: { retry: noRetry } });
      const c = await collect(p.chat({ model: "deepseek-reasoner", messages: ask, topLogprobs: 0 }));
      assert.equal(c.text, "42");
      assert.equal(p.capabilities("deepseek-reasoner").logprobs, false);
    } finally {
      await proxy.close();
    }
  });
});

void describe("DeepSeek fill-in-the-middle", () => {
  void it("goes to the /beta base URL with the native suffix; chat stays on the base URL", async () => {
    const fake = await startFakeOpenAI({ models: ["deepseek-chat"], deepseek: true, reply: (r) => `[${r.prompt}|${r.suffix}]` });
    try {
      const ds = "https://api.deepseek.com";
      const p = new OpenAIProvider({ target: { baseURL: ds, apiKey: "sk-ds" }, fetch: via(fake, ds), policy: { retry: noRetry } });
      const c = await collect(p.complete({ model: "deepseek-chat", prefix: "def f(", suffix: "):", maxTokens: 10 }));
      assert.equal(c.text, "[def f(|):]");
      await collect(p.chat({ model: "deepseek-chat", messages: ask }));
      assert.deepEqual(
        fake.requests.map((r) => r.path),
        ["/beta/completions", "/chat/completions"],
      );
    } finally {
      await fake.close();
    }
  });
});

void describe("Azure OpenAI", () => {
  let fake: FakeServer;
  const az = "https://contoso.openai.azure.com";
  before(async () => {
    fake = await startFakeOpenAI({
      models: ["gpt4o-prod", "o4-mini-dep"],
      azure: { apiKey: "az-key" },
      reasoning: { models: ["o4-mini-dep"], reasoningTokens: 0 },
      reply: (r) => `from ${r.model}`,
    });
  });
  after(() => fake.close());
  const azure = (baseURL: string): OpenAIProvider =>
    new OpenAIProvider({ target: { baseURL, apiKey: "az-key" }, fetch: via(fake, az), policy: { retry: noRetry } });

  void it("takes a deployment URL pasted from the portal: its deployment, its api-version, the key in `api-key`", async () => {
    const p = azure(`${az}/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-06-01`);
    const c = await collect(p.chat({ model: "ignored-here", messages: ask, maxTokens: 20, temperature: 0.2 }));
    assert.equal(c.text, "from gpt4o-prod");
    const r = fake.requests.at(-1)!;
    assert.equal(r.path, "/openai/deployments/gpt4o-prod/chat/completions");
    assert.equal(r.headers["api-key"], "az-key");
    assert.equal(r.headers.authorization, undefined, "no bearer token");
    assert.equal(r.body!.max_completion_tokens, 20, "handled like OpenAI");
  });

  void it("takes the resource root: the model name is the deployment, the api-version a GA default", async () => {
    const p = azure(az);
    assert.equal((await collect(p.chat({ model: "gpt4o-prod", messages: ask }))).text, "from gpt4o-prod");
    const r = fake.requests.at(-1)!;
    assert.equal(r.path, "/openai/deployments/gpt4o-prod/chat/completions");
  });

  void it("takes the v1 API base (/openai/v1) with the model in the body", async () => {
    const p = azure(`${az}/openai/v1`);
    assert.equal((await collect(p.chat({ model: "gpt4o-prod", messages: ask }))).text, "from gpt4o-prod");
    assert.equal(fake.requests.at(-1)!.path, "/openai/v1/chat/completions");
  });

  void it("learns a reasoning deployment's refusals as on OpenAI", async () => {
    const p = azure(az);
    const c = await collect(p.chat({ model: "o4-mini-dep", messages: ask, temperature: 0.2 }));
    assert.equal(c.text, "from o4-mini-dep");
    assert.equal(fake.requests.at(-1)!.body!.temperature, undefined);
  });

  void it("says a missing deployment is a deployment, and where its name comes from", async () => {
    const e = await streamError(azure(az).chat({ model: "gpt-4o", messages: ask }));
    assert.ok(e instanceof ProviderError);
    assert.equal(e.kind, "model_missing");
    assert.match(
      e.message,
      /^Deployment 'gpt-4o' does not exist at https:\/\/contoso\.openai\.azure\.com — an Azure OpenAI model's name is its deployment's name/,
    );
  });

  void it("says the key was rejected in Azure's words", async () => {
    const p = new OpenAIProvider({ target: { baseURL: az, apiKey: "wrong" }, fetch: via(fake, az), policy: { retry: noRetry } });
    const e = await streamError(p.chat({ model: "gpt4o-prod", messages: ask }));
    assert.ok(e instanceof ProviderError);
    assert.equal(e.kind, "unauthorized");
    assert.match(e.message, /Set API Key/);
  });
});

void describe("lessonFrom: which refusals teach what", () => {
  const refusal = (status: number, message: string, extra: { param?: string | null; code?: string | null } = {}): ProviderError =>
    new ProviderError("server", `x rejected the request (HTTP ${status}) (server said: ${message}).`, {
      status,
      cause: Object.assign(new Error(`${status} ${message}`), extra),
    });

  void it("reads OpenAI's, DeepSeek's, Gemini's and vLLM's wording, and nothing else", () => {
    assert.deepEqual(
      lessonFrom(
        refusal(400, "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.", {
          param: "temperature",
          code: "unsupported_value",
        }),
      ),
      { drop: "temperature" },
    );
    assert.deepEqual(
      lessonFrom(
        refusal(400, "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", {
          param: "max_tokens",
          code: "unsupported_parameter",
        }),
      ),
      { limitField: "max_completion_tokens" },
    );
    assert.deepEqual(lessonFrom(refusal(400, "deepseek-reasoner does not support the parameter `logprobs`")), { drop: "logprobs" });
    assert.deepEqual(lessonFrom(refusal(400, "Logprobs is not enabled for models/gemini-2.5-pro")), { drop: "logprobs" });
    assert.deepEqual(lessonFrom(refusal(400, "[{'type': 'extra_forbidden', 'loc': ('body', 'stream_options'), 'msg': 'Extra inputs are not permitted'}]")), {
      drop: "stream_options",
    });
    assert.deepEqual(
      lessonFrom(
        refusal(400, "Unsupported parameter: 'top_logprobs' is not supported with this model.", { param: "top_logprobs", code: "unsupported_parameter" }),
      ),
      { drop: "logprobs" },
    );
    // A parameter Chorus needs (the messages), a value the user chose wrongly, a server failure: no lesson.
    assert.equal(lessonFrom(refusal(400, "Invalid 'messages': empty array.", { param: "messages", code: "empty_array" })), undefined);
    assert.equal(
      lessonFrom(refusal(400, "Invalid 'temperature': decimal above maximum value.", { param: "temperature", code: "decimal_above_max_value" })),
      undefined,
    );
    assert.equal(lessonFrom(refusal(500, "Unsupported value: 'temperature'")), undefined);
  });
});
