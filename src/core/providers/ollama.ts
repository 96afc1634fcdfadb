/**
 * Ollama provider, through the official npm `ollama` client: /api/tags, /api/show (what each model can do, read
 * once: ollama-facts.ts), streamed /api/chat, completions via /api/generate — with `suffix` where the model has
 * "insert", else raw with the family's FIM prompt or the prefix alone (ollama-fim.ts), never thinking —, num_ctx
 * sized to the prompt so Ollama never cuts it silently (ollama-context.ts), /api/embed, logprobs (Ollama ≥ 0.12.11 answers `logprobs: true` and
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
import { estimateTokens, numCtxFor } from "./ollama-context";
import { planFim, type OllamaFimPlan } from "./ollama-fim";
import { fimTemplateFor } from "./fim-templates";

export interface OllamaProviderOptions {
  url?: string;
  fetch?: typeof fetch;
  policy?: Partial<CallPolicy>;
  /** Default keep_alive for every request ("30m", seconds, -1); a request's own keepAlive wins. */
  keepAlive?: string | number;
  /** Override what Chorus assumes a model can do (Ollama does not say without a /api/show per model). */
  capabilities?: (model: string) => Partial<Capabilities>;
  /** FIM prompt family for a model without "insert" whose name does not tell (fim-templates.ts). */
  fimFamily?: string;
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

/** The /api/generate fields that carry the prompt, per FIM plan. */
interface PromptFields {
  prompt: string;
  suffix?: string;
  raw?: boolean;
  stop: string[];
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
  /** Models Ollama refused a `suffix` for, though it did not report their capabilities. */
  private readonly noInsert = new Set<string>();
  /** The largest num_ctx sent per model. */
  private readonly numCtx = new Map<string, number>();

  constructor(private readonly opts: OllamaProviderOptions = {}) {
    this.endpoint = (opts.url ?? DEFAULT_OLLAMA_URL).replace(/\/+$/, "");
    this.fetchImpl = opts.fetch ?? globalThis.fetch;
    this.policy = { ...DEFAULT_POLICY, ...opts.policy };
  }

  capabilities(model: string): Capabilities {
    // Once /api/show has answered, its capabilities decide; before that, the name.
    const caps = this.knownFacts(model)?.capabilities;
    const known = caps !== undefined && caps.size > 0;
    const embeddingOnly = known ? !caps.has("completion") : EMBEDDING_NAME.test(model);
    const fim = known ? caps.has("insert") || fimTemplateFor(model) !== undefined : !embeddingOnly;
    return { fim, logprobs: !embeddingOnly, embeddings: true, ...this.opts.capabilities?.(model) };
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
    return guardedStream(
      this.policyFor(req),
      () => this.ctx(req.model, seen),
      signal,
      async (s) => {
        const facts = await this.facts(req.model);
        const budget = thinkingBudget(req, facts);
        // Chat templates add a few tokens around each message.
        const tokens = req.messages.reduce((n, m) => n + estimateTokens(m.content) + 8, 0);
        const stream = await this.client(s, seen).chat({
          model: req.model,
          messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
          stream: true,
          ...(budget.think === false ? { think: false } : {}),
          ...this.common({ ...req, maxTokens: budget.maxTokens }, this.sized({ ...req, maxTokens: budget.maxTokens }, tokens, facts)),
        });
        // A thinking model's thoughts arrive in message.thinking: kept out of the answer; their tokens are in eval_count.
        return this.deltas(stream, req.model, (c) => c.message?.content);
      },
    );
  }

  complete(req: FimRequest, signal?: AbortSignal): AsyncIterable<Delta> {
    const seen: Seen = {};
    return guardedStream(
      this.policyFor(req),
      () => this.ctx(req.model, seen),
      signal,
      async (s) => {
        const facts = await this.facts(req.model);
        const plan = this.noInsert.has(req.model)
          ? planFim(req.model, withoutInsert(facts), this.opts.fimFamily)
          : planFim(req.model, facts, this.opts.fimFamily);
        const generate = async (p: OllamaFimPlan): Promise<AsyncIterable<unknown>> => {
          const { stop, ...fields } = promptFields(req, p);
          return this.client(s, seen).generate({
            model: req.model,
            ...fields,
            stream: true,
            // Completions never think: thinking spends the token budget and the ghost text's latency on text no one sees.
            think: false,
            ...this.common({ ...req, stop: [...(req.stop ?? []), ...stop] }, this.sized(req, estimateTokens(fields.prompt + (fields.suffix ?? "")), facts)),
          });
        };
        let used = plan;
        let stream: AsyncIterable<unknown>;
        try {
          stream = await generate(plan);
        } catch (e) {
          // An Ollama that did not report capabilities refuses `suffix` for a template without .Suffix: 400 "… does not
          // support insert" (server/routes.go). Remember it and ask again without the suffix.
          if (plan.kind !== "suffix" || !/does not support insert/i.test(e instanceof Error ? e.message : String(e))) throw e;
          this.noInsert.add(req.model);
          used = planFim(req.model, withoutInsert(facts), this.opts.fimFamily);
          stream = await generate(used);
        }
        return this.deltas(stream, req.model, (c) => c.response, used.kind === "prefix-only" ? used.why : undefined);
      },
    );
  }

  /** num_ctx for this request, remembered per model so later requests never shrink it (a shrink reloads the model). */
  private sized(req: GenerationOptions & { model: string }, promptTokens: number, facts: OllamaModelFacts | undefined): number | undefined {
    const n = numCtxFor(req.model, promptTokens, req.maxTokens, facts?.contextLength, this.numCtx.get(req.model));
    if (n !== undefined) this.numCtx.set(req.model, n);
    return n;
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

  private common(req: GenerationOptions, numCtx: number | undefined): CommonFields {
    const options: Partial<Options> = {};
    if (numCtx !== undefined) options.num_ctx = numCtx;
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

  private async *deltas(stream: AsyncIterable<unknown>, model: string, textOf: (c: OllamaChunk) => unknown, note?: string): AsyncGenerator<Delta> {
    if (note !== undefined) yield { text: "", note };
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
    return new ProviderError(
      "malformed",
      `Ollama at ${this.endpoint} sent a reply Chorus cannot read (${what}) — check that chorus.ollamaUrl points at Ollama.`,
      {
        endpoint: this.endpoint,
        model,
      },
    );
  }
}

/** An answer this short (a cascade's yes/no check) is not worth thinking for. */
const SHORT_ANSWER_TOKENS = 64;
/** Tokens a thinking model may think before its answer's own budget starts. */
const THINKING_ALLOWANCE = 4096;

/**
 * Thinking models (capability "thinking") think by default since Ollama 0.12.4, and the thinking counts against
 * num_predict: a review's token budget could be spent before the answer starts. A short answer is asked for
 * without thinking; a longer one gets room to think on top of its own budget.
 */
function thinkingBudget(req: GenerationOptions, facts: OllamaModelFacts | undefined): { think?: false; maxTokens?: number } {
  if (!facts?.capabilities.has("thinking") || req.maxTokens === undefined) return { maxTokens: req.maxTokens };
  if (req.maxTokens <= SHORT_ANSWER_TOKENS) return { think: false, maxTokens: req.maxTokens };
  return { maxTokens: req.maxTokens + THINKING_ALLOWANCE };
}

/** What to send for each FIM plan. */
function promptFields(req: FimRequest, plan: OllamaFimPlan): PromptFields {
  switch (plan.kind) {
    case "suffix":
      // Ollama takes an empty suffix as "no suffix" and then wraps the prompt in the model's chat template,
      // so a completion at the end of a file would come back as a chat answer. A lone newline keeps it FIM.
      return { prompt: req.prefix, suffix: req.suffix === "" ? "\n" : req.suffix, stop: [] };
    case "template":
      return { prompt: plan.template.build(req.prefix, req.suffix), raw: true, stop: plan.template.stop };
    case "prefix-only":
      // raw: the model continues the code; without it Ollama would wrap the code in a chat turn and get an answer.
      return { prompt: req.prefix, raw: true, stop: [] };
  }
}

/** The facts as they are once Ollama has refused a suffix: known to lack "insert", whatever it reported. */
function withoutInsert(facts: OllamaModelFacts | undefined): OllamaModelFacts {
  const caps = new Set(facts?.capabilities.size ? facts.capabilities : ["completion"]);
  caps.delete("insert");
  return { template: "", parameters: "", system: "", ...facts, capabilities: caps };
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
