/**
 * Any OpenAI-compatible endpoint (OpenAI, Azure OpenAI, DeepSeek, Gemini's OpenAI layer, OpenRouter, vLLM, LM Studio,
 * llama.cpp server, the Chorus sidecar) through the official npm `openai` client: /v1/models, streamed chat with
 * usage, logprobs, FIM on /v1/completions (openai-fim.ts decides between `suffix` and a template), and embeddings.
 * Each model's accepted parameters are kept in a profile (openai-params.ts) that its server's refusals correct.
 * The SDK's own retries are off: guarded.ts does timeouts, retries and error classification for every provider.
 */

import type OpenAI from "openai";
import type { ErrorContext } from "./classify";
import { ProviderError } from "./errors";
import { DEFAULT_POLICY, guardedCall, guardedStream, type CallPolicy } from "./guarded";
import { defaultCapabilities, type FimMode } from "./openai-capabilities";
import { sdkClient, unwrappingErrorLists } from "./openai-endpoints";
import { fimBaseURL, hostFamily } from "./openai-hosts";
import { fimStream } from "./openai-fim";
import { lessonFrom, ParamProfiles, shapeBody } from "./openai-params";
import { openAIDeltas, type StreamErrors } from "./openai-wire";
import type { Capabilities, ChatRequest, Delta, EmbedRequest, FimRequest, GenerationOptions, ModelInfo, Provider, ProviderKind, Usage } from "./types";

/** Where to send requests. A function is asked on every call, so a sidecar that restarts on a new port is found. */
export interface OpenAITarget {
  baseURL: string;
  apiKey?: string;
}

export interface OpenAIProviderOptions {
  /** A fixed target, or a function that returns one or throws a ProviderError explaining why there is none. */
  target: OpenAITarget | (() => OpenAITarget);
  kind?: Extract<ProviderKind, "openai" | "sidecar">;
  fetch?: typeof fetch;
  policy?: Partial<CallPolicy>;
  /** How to do fill-in-the-middle; "auto" picks per endpoint and falls back to a template on rejection. */
  fim?: FimMode;
  /** FIM template family when the model name does not reveal it ("qwen-coder", "starcoder", …). */
  fimFamily?: string;
  capabilities?: (model: string) => Partial<Capabilities>;
  /**
   * Ask the server to drop a completion prompt's oldest lines when it does not fit the model (vLLM's and the Chorus
   * sidecar's `truncate_prompt_tokens: -1`), instead of refusing it: editor context is sized in characters, not
   * in the model's tokens. Only for servers known to take the field.
   */
  truncatePrompt?: boolean;
  /** OpenAI reasoning models: `reasoning_effort` ("minimal", "low", "medium", "high"), sent only when set. */
  reasoningEffort?: string;
  /** The output token limit for every request to this model (reasoning included), instead of each caller's own. */
  maxOutputTokens?: number;
}

// The SDK needs some key; sending a placeholder (never the user's OPENAI_API_KEY from the environment, which the
// SDK would otherwise pick up and send to whatever endpoint this is) keeps keyless local servers working.
const NO_KEY = "chorus-no-key";
const SDK_TIMEOUT_MS = 30 * 60_000; // ours (guarded.ts) applies first; the SDK's must never be the one that fires

export class OpenAIProvider implements Provider {
  readonly kind: "openai" | "sidecar";
  private readonly policy: CallPolicy;
  /** Models whose server refused `suffix`: later FIM requests go straight to a template. */
  readonly suffixRejected = new Set<string>();
  /** What each model accepts, from its name and from the server's refusals. */
  readonly params = new ParamProfiles(() => hostFamily(this.endpoint));

  constructor(private readonly opts: OpenAIProviderOptions) {
    this.kind = opts.kind ?? "openai";
    this.policy = { ...DEFAULT_POLICY, ...opts.policy };
  }

  get endpoint(): string {
    try {
      return this.target().baseURL;
    } catch {
      return this.kind === "sidecar" ? "the Chorus sidecar" : "(no endpoint)";
    }
  }

  capabilities(model: string): Capabilities {
    const caps = { ...defaultCapabilities(this.kind, this.endpoint, model, this.opts.fim ?? "auto", this.opts.fimFamily), ...this.opts.capabilities?.(model) };
    // A server that refused logprobs for this model has the last word, whatever the defaults or the user assumed.
    if (this.params.profile(model).refused.has("logprobs")) caps.logprobs = false;
    return caps;
  }

  async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
    const t = this.target();
    const page = await guardedCall(this.policy, this.ctx(t, undefined), signal, (s) => this.client(t).models.list({ signal: s }));
    const data: unknown = page?.data;
    if (!Array.isArray(data)) throw this.malformed(t, undefined, "/models has no `data` list");
    return data.map((m: { id?: unknown; owned_by?: unknown }): ModelInfo => {
      if (typeof m?.id !== "string") throw this.malformed(t, undefined, "a model in /models has no id");
      return { name: m.id };
    });
  }

  chat(req: ChatRequest, signal?: AbortSignal): AsyncIterable<Delta> {
    return this.stream(req, signal, false, async (client, s, t) => {
      const topN = req.topLogprobs;
      const body = {
        model: req.model,
        messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
        stream: true,
        stream_options: { include_usage: true },
        ...this.sampling(req),
        ...(topN !== undefined ? { logprobs: true, ...(topN > 0 ? { top_logprobs: Math.min(20, topN) } : {}) } : {}),
        ...(this.opts.reasoningEffort ? { reasoning_effort: this.opts.reasoningEffort } : {}),
      };
      const shaped = shapeBody(body, this.params.profile(req.model), true) as unknown as OpenAI.ChatCompletionCreateParamsStreaming;
      const stream = await client.chat.completions.create(shaped, { signal: s });
      return openAIDeltas(stream, "chat", this.streamErrors(t, req));
    });
  }

  complete(req: FimRequest, signal?: AbortSignal): AsyncIterable<Delta> {
    return fimStream(this, this.opts.fim ?? "auto", this.opts.fimFamily, req, (prompt, suffix, stop) =>
      this.stream(req, signal, true, async (client, s, t) => {
        const topN = req.topLogprobs;
        const body = {
          model: req.model,
          prompt,
          ...(suffix !== undefined ? { suffix } : {}),
          stream: true,
          stream_options: { include_usage: true },
          ...this.sampling({ ...req, stop }),
          ...(topN !== undefined ? { logprobs: Math.min(5, topN) } : {}),
          ...this.truncation(),
          ...this.sidecarContext(req),
        };
        const shaped = shapeBody(body, this.params.profile(req.model), false) as unknown as OpenAI.CompletionCreateParamsStreaming;
        const stream = await client.completions.create(shaped, { signal: s });
        return openAIDeltas(stream, "completion", this.streamErrors(t, req));
      }),
    );
  }

  /** Context-contrastive decoding's context goes in the sidecar's own `chorus` field; other servers know none. */
  private sidecarContext(req: FimRequest): object {
    return this.kind === "sidecar" && req.context ? { chorus: { context: req.context } } : {};
  }

  /** A field outside the SDK's types, so it is spread from an untyped object. */
  private truncation(): object {
    return this.opts.truncatePrompt ? { truncate_prompt_tokens: -1 } : {};
  }

  async embed(req: EmbedRequest, signal?: AbortSignal): Promise<number[][]> {
    const t = this.target();
    const policy = req.timeoutMs !== undefined ? { ...this.policy, timeoutMs: req.timeoutMs } : this.policy;
    // encoding_format "float": the SDK would ask for base64, which several compatible servers do not implement.
    const res = await guardedCall(policy, this.ctx(t, req.model), signal, (s) =>
      this.client(t).embeddings.create({ model: req.model, input: req.input, encoding_format: "float" }, { signal: s }),
    );
    const data: unknown = res?.data;
    if (!Array.isArray(data) || data.length !== req.input.length)
      throw this.malformed(t, req.model, `/embeddings returned ${Array.isArray(data) ? data.length : "no"} vectors for ${req.input.length} inputs`);
    const sorted = [...(data as { index?: unknown; embedding?: unknown }[])].sort((a, b) => Number(a.index ?? 0) - Number(b.index ?? 0));
    return sorted.map((d) => {
      if (!Array.isArray(d.embedding) || d.embedding.some((x) => typeof x !== "number"))
        throw this.malformed(t, req.model, "an embedding is not a list of numbers");
      return d.embedding as number[];
    });
  }

  /** The current target; a function target that has none (a stopped sidecar) throws its own ProviderError. */
  target(): OpenAITarget {
    const t = typeof this.opts.target === "function" ? this.opts.target() : this.opts.target;
    // An empty key (a cleared secret) is no key: the 401 should then say "set one", not "yours was rejected".
    return { baseURL: t.baseURL.replace(/\/+$/, ""), apiKey: t.apiKey ? t.apiKey : undefined };
  }

  /**
   * One streamed call. A 400 that names a parameter the model refuses (temperature on a reasoning model, logprobs
   * on Gemini, stream_options on a strict proxy) teaches the model's profile, and the call is made again without
   * it — once per lesson, and only while nothing of the reply has been passed on.
   */
  private async *stream(
    req: GenerationOptions & { model: string },
    signal: AbortSignal | undefined,
    fim: boolean,
    open: (client: OpenAI, signal: AbortSignal, t: OpenAITarget) => Promise<AsyncIterable<Delta>>,
  ): AsyncGenerator<Delta> {
    const policy = req.timeoutMs !== undefined ? { ...this.policy, timeoutMs: req.timeoutMs } : this.policy;
    let t: OpenAITarget | undefined;
    const run = (): AsyncGenerator<Delta> =>
      guardedStream(
        policy,
        () => this.ctx(t, req.model),
        signal,
        (s) => {
          t = this.target(); // per attempt: a retry after a sidecar restart goes to the new port
          if (fim) t = { ...t, baseURL: fimBaseURL(t.baseURL) };
          return open(this.client(t), s, t);
        },
      );
    for (;;) {
      let started = false;
      try {
        for await (const d of run()) {
          started = true;
          yield d;
        }
        return;
      } catch (e) {
        const lesson = started ? undefined : lessonFrom(e);
        if (!lesson || !this.params.learn(req.model, lesson)) throw e;
      }
    }
  }

  private client(t: OpenAITarget): OpenAI {
    return sdkClient({ baseURL: t.baseURL, apiKey: t.apiKey ?? NO_KEY, fetch: unwrappingErrorLists(this.opts.fetch ?? fetch), timeout: SDK_TIMEOUT_MS });
  }

  /** Generic names; shapeBody() renames the limit and leaves out what the model refuses. */
  private sampling(req: GenerationOptions): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const limit = this.opts.maxOutputTokens ?? req.maxTokens;
    if (limit !== undefined) out.max_tokens = limit;
    if (req.temperature !== undefined) out.temperature = req.temperature;
    if (req.topP !== undefined) out.top_p = req.topP;
    if (req.seed !== undefined) out.seed = req.seed;
    if (req.stop?.length) out.stop = req.stop;
    return out;
  }

  private streamErrors(t: OpenAITarget, req: GenerationOptions & { model: string }): StreamErrors {
    return { bad: (w) => this.malformed(t, req.model, w), cut: () => this.cut(t, req.model), noAnswer: (u) => this.noAnswer(t, req, u) };
  }

  /**
   * The limit ran out before any answer: for a reasoning model (by name, or by the reasoning tokens it reports), say
   * where the tokens went and which setting raises the limit. Other models' empty replies stay empty replies.
   */
  private noAnswer(t: OpenAITarget, req: GenerationOptions & { model: string }, usage: Usage | undefined): ProviderError | undefined {
    const reasoning = this.params.profile(req.model).reasoning;
    if (!reasoning && !usage?.reasoningTokens) return undefined;
    const limit = this.opts.maxOutputTokens ?? req.maxTokens;
    const of = limit !== undefined ? ` of ${limit}` : "";
    const spent = usage?.reasoningTokens
      ? `spent its whole output limit (${usage.reasoningTokens}${of} tokens) on reasoning and wrote no answer`
      : `reached its output limit${limit !== undefined ? ` (${limit} tokens)` : ""} before writing any answer`;
    const effort = reasoning ? ', or set its "reasoningEffort" to "low"' : "";
    return new ProviderError("output_limit", `'${req.model}' at ${t.baseURL} ${spent} — raise "maxOutputTokens" for this model in chorus.models${effort}.`, {
      endpoint: t.baseURL,
      model: req.model,
      usage,
    });
  }

  private ctx(t: OpenAITarget | undefined, model: string | undefined): ErrorContext {
    return { provider: this.kind, endpoint: t?.baseURL ?? this.endpoint, model, hasApiKey: t ? t.apiKey !== undefined : undefined };
  }

  private malformed(t: OpenAITarget, model: string | undefined, what: string): ProviderError {
    return new ProviderError("malformed", `${t.baseURL} sent a reply Chorus cannot read (${what}) — check that it is an OpenAI-compatible endpoint.`, {
      endpoint: t.baseURL,
      model,
    });
  }

  private cut(t: OpenAITarget, model: string): ProviderError {
    return new ProviderError("malformed", `The reply from '${model}' at ${t.baseURL} ended before it was complete — try again.`, {
      endpoint: t.baseURL,
      model,
    });
  }
}
