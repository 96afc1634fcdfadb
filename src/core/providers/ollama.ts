/**
 * Ollama provider, through the official npm `ollama` client: /api/tags, streamed /api/chat, fill-in-the-middle
 * via /api/generate with `suffix`, /api/embed, logprobs (Ollama ≥ 0.12.11 answers `logprobs: true` and
 * `top_logprobs: n` with a `logprobs` list on each chunk), token usage from prompt_eval_count / eval_count, and
 * keep_alive passed through. Every call runs through guarded.ts for timeouts, retries and classified errors.
 */

import { Ollama, type Options } from "ollama";
import type { ErrorContext } from "./classify";
import { DEFAULT_POLICY, guardedCall, guardedStream, type CallPolicy } from "./guarded";
import { ProviderError } from "./errors";
import type { Capabilities, ChatRequest, Delta, EmbedRequest, FimRequest, GenerationOptions, ModelInfo, Provider, TokenLogprob } from "./types";
import { DEFAULT_OLLAMA_URL } from "../config";
import { FactCache } from "./fact-cache";
import { factsFromShow, isOllamaCloudName, runsRemotely, type OllamaModelFacts } from "./ollama-facts";

export interface OllamaProviderOptions {
  url?: string;
  fetch?: typeof fetch;
  policy?: Partial<CallPolicy>;
  /** Default keep_alive for every request ("30m", seconds, -1); a request's own keepAlive wins. */
  keepAlive?: string | number;
  /** Override what Chorus assumes a model can do (Ollama does not say without a /api/show per model). */
  capabilities?: (model: string) => Partial<Capabilities>;
}

/** What the fetch wrapper learned about the last reply; the `ollama` client's errors drop response headers. */
interface Seen {
  retryAfter?: string | null;
}

/** The request fields /api/chat and /api/generate share. */
interface CommonFields {
  options: Partial<Options>;
  keep_alive?: string | number;
  logprobs?: boolean;
  top_logprobs?: number;
}

interface OllamaChunk {
  done?: unknown;
  done_reason?: unknown;
  response?: unknown;
  message?: { content?: unknown };
  prompt_eval_count?: unknown;
  eval_count?: unknown;
  logprobs?: unknown;
}

/** /api/show reads a manifest on disk: it answers fast or not at all. A failed one is asked again after a while. */
const SHOW_TIMEOUT_MS = 3_000;
const FACTS_RETRY_MS = 30_000;

const EMBEDDING_NAME = /embed|minilm|bge-|e5-|gte-|arctic-embed/i;

export class OllamaProvider implements Provider {
  readonly kind = "ollama" as const;
  readonly endpoint: string;
  private readonly fetchImpl: typeof fetch;
  private readonly policy: CallPolicy;
  private readonly factCache = new FactCache<OllamaModelFacts>(FACTS_RETRY_MS);

  constructor(private readonly opts: OllamaProviderOptions = {}) {
    this.endpoint = (opts.url ?? DEFAULT_OLLAMA_URL).replace(/\/+$/, "");
    this.fetchImpl = opts.fetch ?? globalThis.fetch;
    this.policy = { ...DEFAULT_POLICY, ...opts.policy };
  }

  capabilities(model: string): Capabilities {
    const embeddingOnly = EMBEDDING_NAME.test(model);
    return { fim: !embeddingOnly, logprobs: !embeddingOnly, embeddings: true, ...this.opts.capabilities?.(model) };
  }

  async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
    const seen: Seen = {};
    const list = await guardedCall(this.policy, this.ctx(undefined, seen), signal, (s) => this.client(s, seen).list());
    if (!Array.isArray(list?.models)) throw this.malformed(undefined, "/api/tags has no `models` list");
    return list.models.map((m): ModelInfo => {
      if (typeof m?.name !== "string") throw this.malformed(undefined, "a model in /api/tags has no name");
      // remote_host (Ollama ≥ 0.12, api/types.go ListModelResponse): Ollama forwards this model's requests there.
      const remoteHost = (m as { remote_host?: unknown }).remote_host;
      return {
        name: m.name,
        sizeBytes: typeof m.size === "number" ? m.size : undefined,
        family: m.details?.family || undefined,
        remoteHost: typeof remoteHost === "string" && remoteHost !== "" ? remoteHost : undefined,
      };
    });
  }

  chat(req: ChatRequest, signal?: AbortSignal): AsyncIterable<Delta> {
    const seen: Seen = {};
    return guardedStream(this.policyFor(req), () => this.ctx(req.model, seen), signal, async (s) => {
      const stream = await this.client(s, seen).chat({
        model: req.model,
        messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
        stream: true,
        ...this.common(req),
      });
      return this.deltas(stream, req.model, (c) => c.message?.content);
    });
  }

  complete(req: FimRequest, signal?: AbortSignal): AsyncIterable<Delta> {
    const seen: Seen = {};
    return guardedStream(this.policyFor(req), () => this.ctx(req.model, seen), signal, async (s) => {
      const stream = await this.client(s, seen).generate({
        model: req.model,
        prompt: req.prefix,
        // Ollama takes an empty suffix as "no suffix" and then wraps the prompt in the model's chat template,
        // so a completion at the end of a file would come back as a chat answer. A lone newline keeps it FIM.
        suffix: req.suffix === "" ? "\n" : req.suffix,
        stream: true,
        ...this.common(req),
      });
      return this.deltas(stream, req.model, (c) => c.response);
    });
  }

  /** What Ollama says about a model (one /api/show per model, cached); undefined while Ollama cannot be asked. */
  facts(model: string): Promise<OllamaModelFacts | undefined> {
    return this.factCache.get(model, () => this.show(model));
  }

  /** The facts if they are already known, without asking (for the synchronous capabilities()). */
  knownFacts(model: string): OllamaModelFacts | undefined {
    return this.factCache.known(model);
  }

  async runsRemotely(model: string): Promise<boolean | undefined> {
    if (isOllamaCloudName(model)) return true;
    const f = await this.facts(model);
    return f === undefined ? undefined : runsRemotely(model, f);
  }

  private async show(model: string): Promise<OllamaModelFacts> {
    const seen: Seen = {};
    const policy: CallPolicy = { ...this.policy, timeoutMs: Math.min(this.policy.timeoutMs, SHOW_TIMEOUT_MS), retry: { ...this.policy.retry, retries: 0 } };
    const raw = await guardedCall(policy, this.ctx(model, seen), undefined, (s) => this.client(s, seen).show({ model }));
    return factsFromShow(raw);
  }

  async embed(req: EmbedRequest, signal?: AbortSignal): Promise<number[][]> {
    const seen: Seen = {};
    const policy = req.timeoutMs !== undefined ? { ...this.policy, timeoutMs: req.timeoutMs } : this.policy;
    const res = await guardedCall(policy, this.ctx(req.model, seen), signal, (s) =>
      this.client(s, seen).embed({ model: req.model, input: req.input, keep_alive: this.opts.keepAlive }),
    );
    const out = res?.embeddings;
    if (!Array.isArray(out) || out.length !== req.input.length || out.some((v) => !Array.isArray(v) || v.some((x) => typeof x !== "number")))
      throw this.malformed(req.model, `/api/embed returned ${Array.isArray(out) ? out.length : "no"} vectors for ${req.input.length} inputs`);
    return out;
  }

  /** A client per call: its fetch carries this attempt's signal, which the client itself only passes on streams. */
  private client(signal: AbortSignal, seen: Seen): Ollama {
    const base = this.fetchImpl;
    const fetchWithSignal = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const merged = init?.signal ? AbortSignal.any([init.signal, signal]) : signal;
      const res = await base(input, { ...init, signal: merged });
      seen.retryAfter = res.headers.get("retry-after");
      return res;
    };
    return new Ollama({ host: this.endpoint, fetch: fetchWithSignal as typeof fetch });
  }

  private common(req: GenerationOptions): CommonFields {
    const options: Partial<Options> = {};
    if (req.temperature !== undefined) options.temperature = req.temperature;
    if (req.topP !== undefined) options.top_p = req.topP;
    if (req.seed !== undefined) options.seed = req.seed;
    if (req.maxTokens !== undefined) options.num_predict = req.maxTokens;
    if (req.stop?.length) options.stop = req.stop;
    const wantLogprobs = req.topLogprobs !== undefined;
    return {
      options,
      keep_alive: req.keepAlive ?? this.opts.keepAlive,
      logprobs: wantLogprobs ? true : undefined,
      top_logprobs: wantLogprobs && req.topLogprobs! > 0 ? Math.min(20, req.topLogprobs!) : undefined,
    };
  }

  private async *deltas(stream: AsyncIterable<unknown>, model: string, textOf: (c: OllamaChunk) => unknown): AsyncGenerator<Delta> {
    for await (const raw of stream) {
      if (typeof raw !== "object" || raw === null) throw this.malformed(model, "a streamed line is not a JSON object");
      const c = raw as OllamaChunk;
      const text = textOf(c) ?? "";
      if (typeof text !== "string") throw this.malformed(model, "a streamed chunk's text is not a string");
      const d: Delta = { text };
      const lp = mapLogprobs(c.logprobs);
      if (lp) d.logprobs = lp;
      if (c.done === true) {
        d.usage = { inputTokens: count(c.prompt_eval_count), outputTokens: count(c.eval_count) };
        d.finishReason = typeof c.done_reason === "string" && c.done_reason !== "" ? c.done_reason : "stop";
      }
      yield d;
    }
  }

  private policyFor(req: GenerationOptions): CallPolicy {
    return req.timeoutMs !== undefined ? { ...this.policy, timeoutMs: req.timeoutMs } : this.policy;
  }

  private ctx(model: string | undefined, seen: Seen): ErrorContext {
    return { provider: "ollama", endpoint: this.endpoint, model, retryAfter: seen.retryAfter };
  }

  private malformed(model: string | undefined, what: string): ProviderError {
    return new ProviderError("malformed", `Ollama at ${this.endpoint} sent a reply Chorus cannot read (${what}) — check that chorus.ollamaUrl points at Ollama.`, {
      endpoint: this.endpoint,
      model,
    });
  }
}

function count(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

/** Ollama's logprobs entries: {token, logprob, bytes?, top_logprobs?: [{token, logprob, bytes?}]}. */
function mapLogprobs(raw: unknown): TokenLogprob[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const out: TokenLogprob[] = [];
  for (const e of raw as { token?: unknown; logprob?: unknown; top_logprobs?: unknown }[]) {
    if (typeof e?.token !== "string" || typeof e.logprob !== "number") continue;
    const t: TokenLogprob = { token: e.token, logprob: e.logprob };
    if (Array.isArray(e.top_logprobs))
      t.top = (e.top_logprobs as { token?: unknown; logprob?: unknown }[])
        .filter((x) => typeof x?.token === "string" && typeof x.logprob === "number")
        .map((x) => ({ token: x.token as string, logprob: x.logprob as number }));
    out.push(t);
  }
  return out;
}
