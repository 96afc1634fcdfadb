// The sidecar's virtual models (logit-mixing presets, "chorus/<name>") as completion (and Ask) modes, so "Chorus:
// Choose Collaboration Mode" offers them. The list comes from the running sidecar's /v1/models, so settings presets and
// the demo presets appear alike; a completion goes to the sidecar as fill-in-the-middle and is recorded in the
// ledger like every other model call.

import type { Ledger } from "../core/ledger";
import { askMessages } from "../core/ask-prompt";
import type { AskStrategy, CompletionStrategy, ModeRegistry } from "../core/modes";
import { ProviderError } from "../core/providers/errors";
import { createSidecarProvider, SIDECAR_NOT_RUNNING, type SidecarConnection } from "../core/providers/sidecar";
import { collect, type Completion } from "../core/providers/types";

export const MIX_MODE_PREFIX = "mix:";

/** The mixing context is bounded (2048 tokens by default); the nearest code matters most, so keep the tail. */
const MAX_PREFIX_CHARS = 1500;
const MAX_SUFFIX_CHARS = 500;

interface VirtualModel {
  id: string;
  chorus?: { kind?: string; strategy?: string; description?: string };
}

/** The sidecar's models and the configuration problems it reports (a bad preset, a missing model folder). */
/**
 * The sidecar's presets, its configuration problems, and where llama.cpp computes ("cpu", a GPU backend such as
 * "cuda", "starting" while its runtime loads; undefined from a sidecar that does not say).
 */
export async function sidecarModels(connection: SidecarConnection, signal?: AbortSignal): Promise<{ virtual: VirtualModel[]; problems: string[]; compute?: string }> {
  const c = connection();
  if (!c) return { virtual: [], problems: [] };
  const r = await fetch(`${c.url}/v1/models`, { headers: { authorization: `Bearer ${c.token}` }, signal: signal ?? AbortSignal.timeout(5000) });
  if (!r.ok) throw new Error(`the sidecar answered ${r.status} to /v1/models`);
  const body = (await r.json()) as { data?: VirtualModel[]; chorus?: { problems?: unknown; compute?: unknown } };
  const problems = Array.isArray(body.chorus?.problems) ? body.chorus.problems.filter((p): p is string => typeof p === "string") : [];
  const compute = typeof body.chorus?.compute === "string" ? body.chorus.compute : undefined;
  return { virtual: (body.data ?? []).filter((m) => m.chorus?.kind === "virtual" && typeof m.id === "string"), problems, compute };
}

export async function listVirtualModels(connection: SidecarConnection, signal?: AbortSignal): Promise<VirtualModel[]> {
  return (await sidecarModels(connection, signal)).virtual;
}

/** Lines right before the cursor that context-contrastive decoding reads with and without the rest of the file. */
const LOCAL_LINES = 4;

/**
 * Context-contrastive decoding needs the context apart from the prompt, which the OpenAI wire format has no field
 * for: the sidecar takes it as `chorus.context`, so this one call is made directly.
 */
async function completeWithContext(connection: SidecarConnection, model: string, prefix: string, maxTokens: number, stop: string[], signal: AbortSignal): Promise<Completion> {
  const c = connection();
  if (!c) throw new ProviderError("unreachable", SIDECAR_NOT_RUNNING, { endpoint: "the Chorus sidecar" });
  const lines = prefix.split("\n");
  const prompt = lines.slice(-LOCAL_LINES).join("\n");
  const context = lines.slice(0, -LOCAL_LINES).join("\n");
  const r = await fetch(`${c.url}/v1/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${c.token}`, "content-type": "application/json" },
    // truncate_prompt_tokens as on every Chorus completion: the prompt's oldest lines give way if it does not fit.
    body: JSON.stringify({ model, prompt, max_tokens: maxTokens, temperature: 0, stop, truncate_prompt_tokens: -1, ...(context ? { chorus: { context: context + "\n" } } : {}) }),
    signal,
  });
  const body = (await r.json()) as { choices?: { text: string; finish_reason: string }[]; usage?: { prompt_tokens: number; completion_tokens: number }; error?: { message: string } };
  if (!r.ok || !body.choices?.[0]) throw new ProviderError("server", `The sidecar could not complete with ${model}: ${body.error?.message ?? r.status}`, { endpoint: c.url, model, status: r.status });
  return {
    text: body.choices[0].text,
    logprobs: [],
    usage: { inputTokens: body.usage?.prompt_tokens ?? 0, outputTokens: body.usage?.completion_tokens ?? 0 },
    finishReason: body.choices[0].finish_reason,
  };
}

export function mixCompletion(model: string, description: string, connection: SidecarConnection, ledger: Ledger, strategy?: string): CompletionStrategy {
  const provider = createSidecarProvider(connection);
  return {
    async complete(input, signal) {
      const mode = MIX_MODE_PREFIX + model.replace(/^chorus\//, "");
      const reason = `${description} (logit-level mixing in the local sidecar)`;
      const started = performance.now();
      const prefix = input.prefix.slice(-MAX_PREFIX_CHARS);
      const maxTokens = input.multiline ? 128 : 48;
      const stop = input.multiline ? ["\n\n\n"] : ["\n"];
      // The sidecar is local, so the privacy rules for cloud models do not apply to this call.
      try {
        const c =
          strategy === "context-contrastive"
            ? await completeWithContext(connection, model, prefix, maxTokens, stop, signal)
            : await collect(provider.complete({ model, prefix, suffix: input.suffix.slice(0, MAX_SUFFIX_CHARS), maxTokens, temperature: 0, stop }, signal));
        ledger.record({ surface: "completion", mode, model, provider: "sidecar", inputTokens: c.usage.inputTokens, outputTokens: c.usage.outputTokens, costUsd: 0, latencyMs: performance.now() - started, ok: true, decision: mode, reason });
        // Trailing blanks at the end of a one-line suggestion are never what the user wants to accept.
        const text = input.multiline ? c.text : c.text.replace(/\s+$/, "");
        return { text, decision: { model, action: "mixed", reason } };
      } catch (e) {
        const cancelled = e instanceof Error && /abort|cancel/i.test(e.name + e.message);
        ledger.record({ surface: "completion", mode, model, provider: "sidecar", inputTokens: 0, outputTokens: 0, costUsd: 0, latencyMs: performance.now() - started, ok: false, error: cancelled ? "cancelled" : "error", decision: mode, reason });
        throw e;
      }
    },
  };
}

/** A question answered by a mixing preset through the sidecar's chat route, streamed, and recorded. */
export function mixAsk(model: string, description: string, connection: SidecarConnection, ledger: Ledger): AskStrategy {
  const provider = createSidecarProvider(connection);
  return {
    async ask(input, signal, onText) {
      const mode = MIX_MODE_PREFIX + model.replace(/^chorus\//, "");
      const reason = `${description} (logit-level mixing in the local sidecar)`;
      const started = performance.now();
      const record = (ok: boolean, usage = { inputTokens: 0, outputTokens: 0 }, error?: string) =>
        ledger.record({ surface: "ask", mode, model, provider: "sidecar", ...usage, costUsd: 0, latencyMs: performance.now() - started, ok, error, decision: mode, reason });
      try {
        const c = await collect(provider.chat({ model, messages: askMessages(input), maxTokens: 512, temperature: 0.2 }, signal), (d) => d.text && onText?.(d.text));
        record(true, c.usage);
        return { text: c.text, decision: { model, action: "mixed", reason } };
      } catch (e) {
        record(false, undefined, e instanceof Error && /abort|cancel/i.test(e.name + e.message) ? "cancelled" : "error");
        throw e;
      }
    },
  };
}

/** Registers a completion and Ask mode for every virtual model not registered yet; returns the ids it added. */
export function registerMixingModes(modes: ModeRegistry, models: readonly VirtualModel[], connection: SidecarConnection, ledger: Ledger): string[] {
  const added: string[] = [];
  for (const m of models) {
    const name = m.id.replace(/^chorus\//, "");
    const id = MIX_MODE_PREFIX + name;
    if (modes.get(id)) continue;
    const description = m.chorus?.description ?? `Logit mixing preset ${m.id}`;
    modes.register({
      id,
      label: `Logit mix: ${name}`,
      description,
      // Context-contrastive decoding needs a file context that a question does not have: completions only.
      surfaces: m.chorus?.strategy === "context-contrastive" ? ["completion"] : ["completion", "ask"],
      completion: () => mixCompletion(m.id, description, connection, ledger, m.chorus?.strategy),
      ask: () => mixAsk(m.id, description, connection, ledger),
    });
    added.push(id);
  }
  return added;
}
