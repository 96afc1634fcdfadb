/**
 * Any OpenAI-compatible endpoint (OpenAI, OpenRouter, vLLM, LM Studio, llama.cpp server, the Chorus sidecar)
 * through the official npm `openai` client: /v1/models, streamed chat with usage, logprobs, FIM on
 * /v1/completions (openai-fim.ts decides between `suffix` and a template), and embeddings. The SDK's own retries
 * are off: guarded.ts does timeouts, retries and error classification the same way for every provider.
 */

import OpenAI from "openai";
import type { ErrorContext } from "./classify";
import { isProviderError, ProviderError } from "./errors";
import { DEFAULT_POLICY, guardedCall, guardedStream, type CallPolicy } from "./guarded";
import { defaultCapabilities, type FimMode } from "./openai-capabilities";
import { fimStream } from "./openai-fim";
import { openAIDeltas } from "./openai-wire";
import type { Capabilities, ChatRequest, Delta, EmbedRequest, FimRequest, GenerationOptions, ModelInfo, Provider, ProviderKind } from "./types";

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
  private streamOptionsRejected = false;

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
    return { ...defaultCapabilities(this.kind, this.endpoint, model, this.opts.fim ?? "auto", this.opts.fimFamily), ...this.opts.capabilities?.(model) };
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
    return this.stream(req.model, req, signal, async (client, s, t) => {
      const topN = req.topLogprobs;
      const stream = await client.chat.completions.create(
        {
          model: req.model,
          messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
          stream: true,
          ...this.usageOption(),
          ...this.sampling(req, t),
          ...(topN !== undefined ? { logprobs: true, ...(topN > 0 ? { top_logprobs: Math.min(20, topN) } : {}) } : {}),
        },
        { signal: s },
      );
      return openAIDeltas(stream, "chat", (w) => this.malformed(t, req.model, w), () => this.cut(t, req.model));
    });
  }

  complete(req: FimRequest, signal?: AbortSignal): AsyncIterable<Delta> {
    return fimStream(this, this.opts.fim ?? "auto", this.opts.fimFamily, req, (prompt, suffix, stop) =>
      this.stream(req.model, req, signal, async (client, s, t) => {
        const topN = req.topLogprobs;
        const stream = await client.completions.create(
          {
            model: req.model,
            prompt,
            ...(suffix !== undefined ? { suffix } : {}),
            stream: true,
            ...this.usageOption(),
            ...this.sampling({ ...req, stop }, t, true),
            ...(topN !== undefined ? { logprobs: Math.min(5, topN) } : {}),
            ...this.truncation(),
          },
          { signal: s },
        );
        return openAIDeltas(stream, "completion", (w) => this.malformed(t, req.model, w), () => this.cut(t, req.model));
      }),
    );
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
      if (!Array.isArray(d.embedding) || d.embedding.some((x) => typeof x !== "number")) throw this.malformed(t, req.model, "an embedding is not a list of numbers");
      return d.embedding as number[];
    });
  }

  /** The current target; a function target that has none (a stopped sidecar) throws its own ProviderError. */
  target(): OpenAITarget {
    const t = typeof this.opts.target === "function" ? this.opts.target() : this.opts.target;
    // An empty key (a cleared secret) is no key: the 401 should then say "set one", not "yours was rejected".
    return { baseURL: t.baseURL.replace(/\/+$/, ""), apiKey: t.apiKey ? t.apiKey : undefined };
  }

  /** `stream_options` asks for the usage chunk; a server that refuses the field once is not sent it again. */
  private usageOption(): { stream_options?: { include_usage: boolean } } {
    return this.streamOptionsRejected ? {} : { stream_options: { include_usage: true } };
  }

  private async *stream(
    model: string,
    req: GenerationOptions,
    signal: AbortSignal | undefined,
    open: (client: OpenAI, signal: AbortSignal, t: OpenAITarget) => Promise<AsyncIterable<Delta>>,
  ): AsyncGenerator<Delta> {
    const policy = req.timeoutMs !== undefined ? { ...this.policy, timeoutMs: req.timeoutMs } : this.policy;
    let t: OpenAITarget | undefined;
    const run = (): AsyncGenerator<Delta> =>
      guardedStream(policy, () => this.ctx(t, model), signal, (s) => {
        t = this.target(); // per attempt: a retry after a sidecar restart goes to the new port
        return open(this.client(t), s, t);
      });
    if (this.streamOptionsRejected) return yield* run();
    let started = false;
    try {
      for await (const d of run()) {
        started = true;
        yield d;
      }
    } catch (e) {
      // Older or stricter servers (some proxies, old vLLM) reject the unknown field: go on without usage.
      const refused = !started && isProviderError(e) && (e.details.status === 400 || e.details.status === 422) && /stream_options/i.test(e.message);
      if (!refused) throw e;
      this.streamOptionsRejected = true;
      yield* run();
    }
  }

  private client(t: OpenAITarget): OpenAI {
    return new OpenAI({
      baseURL: t.baseURL,
      apiKey: t.apiKey ?? NO_KEY,
      organization: null,
      project: null,
      fetch: this.opts.fetch,
      maxRetries: 0,
      timeout: SDK_TIMEOUT_MS,
      logLevel: "off",
    });
  }

  private sampling(req: GenerationOptions, t: OpenAITarget, legacy = false): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    // OpenAI's own chat API wants max_completion_tokens (reasoning models reject max_tokens); others know max_tokens.
    if (req.maxTokens !== undefined) out[!legacy && isOpenAIHost(t.baseURL) ? "max_completion_tokens" : "max_tokens"] = req.maxTokens;
    if (req.temperature !== undefined) out.temperature = req.temperature;
    if (req.topP !== undefined) out.top_p = req.topP;
    if (req.seed !== undefined) out.seed = req.seed;
    if (req.stop?.length) out.stop = req.stop;
    return out;
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
    return new ProviderError("malformed", `The reply from '${model}' at ${t.baseURL} ended before it was complete — try again.`, { endpoint: t.baseURL, model });
  }
}

export function isOpenAIHost(url: string): boolean {
  try {
    return new URL(url).hostname === "api.openai.com";
  } catch {
    return false;
  }
}
