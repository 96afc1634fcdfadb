// The configured models and the one place every model call goes through: it picks the provider, bridges
// cancellation, and records the call in the ledger. Strategies (router, cascade, debate, …) call models only here.

import { BudgetGuard } from "./collab/api/budget";
import { asCloud, callCost, isLocal, type ChorusConfig, type ModelConfig } from "./config";
import type { Ledger, LedgerEntry, Surface } from "./ledger";
import { enforcePrivacy, isPrivacyBlocked, privacyBlock, PrivacyBlockedError } from "./privacy";
import { isAbortError, isProviderError, ProviderError } from "./providers/errors";
import { collect, type ChatMessage, type Completion, type Delta, type FimRequest, type GenerationOptions, type Provider, type Usage } from "./providers/types";

/** Builds a provider for a model; the API key (if any) is looked up by the host (SecretStorage or env). */
export type ProviderFactory = (model: ModelConfig, apiKey: string | undefined) => Provider;
export type SecretLookup = (name: string) => Promise<string | undefined>;

/** Who is calling, for the ledger. */
export interface CallContext {
  surface: Surface;
  mode: string;
  decision?: string;
  reason?: string;
  runId?: string;
  /** The file whose content is in this request. The privacy rules match on it, so every surface that sends file
   *  content must set it. Never written to the ledger. */
  filePath?: string;
}

export class Models {
  private readonly providers = new Map<string, Provider>();
  /** Models the engine learned while running (the sidecar's mixing presets), beside the configured ones. */
  private readonly learned = new Map<string, ModelConfig>();
  /** The monthly cloud cap; checked here, beside the privacy rules, so no strategy can skip either. */
  readonly budget: BudgetGuard;

  /** Notes already passed to onNotice, so each is said once per session. */
  private readonly noticed = new Set<string>();

  constructor(
    private config: ChorusConfig,
    private readonly factory: ProviderFactory,
    private readonly secrets: SecretLookup,
    readonly ledger: Ledger,
    /** Where a provider's note about how it answered goes (the log): e.g. a model that completes from the prefix only. */
    private readonly onNotice: (message: string) => void = () => undefined,
  ) {
    this.budget = new BudgetGuard(ledger, () => this.config.budgetUsd);
  }

  /** Settings changed: forget built providers so the next call uses the new endpoints and keys. */
  reconfigure(config: ChorusConfig): void {
    this.config = config;
    this.providers.clear();
  }

  list(): ModelConfig[] {
    return this.config.models;
  }

  /** A model that is not configured but served (a sidecar preset); a configured model of the same id wins. */
  learn(model: ModelConfig): void {
    this.learned.set(model.id, model);
  }

  get(id: string): ModelConfig {
    const m = this.config.models.find((x) => x.id === id) ?? this.learned.get(id);
    if (!m) throw new ProviderError("model_missing", `No model with the id "${id}" is configured. Add it to chorus.models or pick another.`);
    return m;
  }

  async provider(id: string): Promise<Provider> {
    const cached = this.providers.get(id);
    if (cached) return cached;
    const m = this.get(id);
    const key = m.apiKeySecret ? await this.secrets(m.apiKeySecret) : undefined;
    const p = this.factory(m, key);
    this.providers.set(id, p);
    return p;
  }

  /** Streamed chat; deltas go to `onDelta`, the whole reply is returned and the call recorded. */
  async chat(
    id: string,
    messages: ChatMessage[],
    opts: GenerationOptions,
    ctx: CallContext,
    signal?: AbortSignal,
    onDelta?: (d: Delta) => void,
  ): Promise<Completion> {
    const { m, p } = await this.admit(id, ctx);
    return this.recorded(m, p, ctx, () => collect(p.chat({ model: m.model, messages, ...opts }, signal), onDelta));
  }

  /** Fill-in-the-middle completion, recorded. `context`: see FimRequest (context-contrastive mixing presets). */
  async complete(
    id: string,
    prefix: string,
    suffix: string,
    opts: GenerationOptions & Pick<FimRequest, "context">,
    ctx: CallContext,
    signal?: AbortSignal,
  ): Promise<Completion> {
    const { m, p } = await this.admit(id, ctx);
    return this.recorded(m, p, ctx, () => collect(p.complete({ model: m.model, prefix, suffix, ...opts }, signal)));
  }

  /** Embeddings (the router's optional semantic features), under the same privacy rules; not billed per token here. */
  async embed(id: string, input: string[], ctx: CallContext, signal?: AbortSignal): Promise<number[][]> {
    const { m, p } = await this.admit(id, ctx);
    return p.embed({ model: m.model, input }, signal);
  }

  /** The model and its provider, once the call is allowed: where the model runs, the privacy rules and the budget. */
  private async admit(id: string, ctx: CallContext): Promise<{ m: ModelConfig; p: Provider }> {
    const configured = this.get(id);
    const p = await this.provider(id);
    const m = await this.located(configured, p, ctx);
    this.enforce(m, ctx);
    return { m, p };
  }

  /**
   * A model the configuration calls local may still run elsewhere: Ollama forwards `*-cloud` models, and models
   * created FROM one, to another server. Ask the provider (cached per model) and treat such a model as cloud.
   * When it cannot be asked and this request is one the privacy rules would keep from a cloud model, nothing is
   * sent: the rules hold even when Ollama is slow to answer.
   */
  private async located(m: ModelConfig, p: Provider, ctx: CallContext): Promise<ModelConfig> {
    if (!isLocal(m) || !p.runsRemotely) return m;
    const remote = await p.runsRemotely(m.model);
    if (remote === true) return asCloud(m);
    if (remote === false) return m;
    const v = privacyBlock(asCloud(m), this.config.privacy, ctx.filePath);
    if (!v) return m;
    const e = new PrivacyBlockedError(
      `Not sent to "${m.id}": Chorus could not ask ${p.endpoint} whether it runs "${m.model}" on this machine or forwards it to a cloud service, and ${v.why}. Check that Ollama is running and try again.`,
      m.id,
      v.rule,
    );
    this.refused(m, ctx, e);
    throw e;
  }

  /** Privacy rules and the budget cap, before anything is sent. A refusal is recorded and thrown. */
  private enforce(m: ModelConfig, full: CallContext): void {
    try {
      enforcePrivacy(m, this.config.privacy, full.filePath);
      this.budget.check(m);
    } catch (e) {
      this.refused(m, full, e);
      throw e;
    }
  }

  /** A call stopped before sending (privacy or budget) is still in the ledger, with why. */
  private refused(m: ModelConfig, ctx: CallContext, e: unknown): void {
    const privacy = isPrivacyBlocked(e);
    const refusal = { decision: privacy ? "privacy-block" : "budget-stop", reason: (e as Error).message, error: privacy ? "privacy" : "budget" };
    this.record(m, m.provider, ctx, { ...tokens(m, undefined), latencyMs: 0, ok: false, ...refusal });
  }

  private async recorded(m: ModelConfig, p: Provider, ctx: CallContext, run: () => Promise<Completion>): Promise<Completion> {
    const start = performance.now();
    try {
      const c = await run();
      if (c.note !== undefined && !this.noticed.has(`${m.id}\u0000${c.note}`)) {
        this.noticed.add(`${m.id}\u0000${c.note}`);
        this.onNotice(c.note);
      }
      const note = c.note !== undefined ? { reason: ctx.reason ? `${ctx.reason}; ${c.note}` : c.note } : {};
      this.record(m, p.kind, ctx, { ...note, ...tokens(m, c.usage), latencyMs: performance.now() - start, ok: true });
      return c;
    } catch (e) {
      // A call can fail after it was billed (a reasoning model that thought until its limit and wrote nothing).
      const error = isAbortError(e) ? "cancelled" : isProviderError(e) ? e.kind : "error";
      this.record(m, p.kind, ctx, { ...tokens(m, isProviderError(e) ? e.details.usage : undefined), latencyMs: performance.now() - start, ok: false, error });
      throw e;
    }
  }

  /** The one way a call becomes a ledger record: who called and what happened; the file's path is never written. */
  private record(
    m: ModelConfig,
    provider: LedgerEntry["provider"],
    full: CallContext,
    outcome: Omit<LedgerEntry, "ts" | "surface" | "mode" | "model" | "provider">,
  ): void {
    const { filePath: _path, ...ctx } = full;
    this.ledger.record({ ...ctx, model: m.id, provider, ...outcome });
  }
}

/** A call's token counts and cost for the ledger; reasoning tokens are part of the billed output. */
function tokens(m: ModelConfig, usage: Usage | undefined): Pick<LedgerEntry, "inputTokens" | "outputTokens" | "reasoningTokens" | "costUsd"> {
  if (!usage) return { inputTokens: 0, outputTokens: 0, costUsd: 0 };
  return {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    ...(usage.reasoningTokens ? { reasoningTokens: usage.reasoningTokens } : {}),
    costUsd: callCost(m, usage.inputTokens, usage.outputTokens),
  };
}
