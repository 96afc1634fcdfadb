// Registers the API-level collaboration modes — "route", "cascade", "fallback" — for inline completions and Ask.
// Every answer carries its Decision (model, action, why) and every call its ledger decision/reason.

import type { AskInput, AskOutput, CompletionInput, CompletionOutput, ModeRegistry, ModeServices } from "../../modes";
import { allowedModels } from "../../privacy";
import type { ApiCollab } from "./api-collab";
import { askWithFallback, completeWithFallback } from "./calls";
import { cascadeAsk, cascadeCompletion } from "./cascade-mode";
import { noModelError, routeAsk, routeCompletion, withSkips } from "./route-mode";
import { chainFrom, modelTiers, usableModels } from "./tiers";

/** The fallback order for a request: the configured chain, else cheap models first; privacy rules applied. */
export function fallbackChain(
  services: ModeServices,
  collab: ApiCollab,
  filePath: string | undefined,
  surface: "completion" | "ask",
): { chain: string[]; reason: string } {
  const allowed = allowedModels(usableModels(services.config.models), services.config.privacy, filePath);
  const configured = collab.options.fallbackChain;
  let chain: string[];
  if (configured.length > 0) chain = configured.filter((id) => allowed.some((m) => m.id === id));
  else {
    const tiers = modelTiers(allowed, collab.options);
    chain = surface === "completion" ? chainFrom(tiers.cheap, tiers.strong) : chainFrom(tiers.strong, tiers.cheap);
  }
  if (chain.length === 0) throw noModelError(filePath);
  const dropped = configured.filter((id) => !chain.includes(id));
  const reason = `fallback chain ${chain.join(" → ")}${dropped.length ? ` (${dropped.join(", ")} not allowed or not configured)` : ""}`;
  return { chain, reason };
}

function fallbackCompletion(services: ModeServices, collab: ApiCollab) {
  return {
    async complete(input: CompletionInput, signal: AbortSignal): Promise<CompletionOutput> {
      const { chain, reason } = fallbackChain(services, collab, input.filePath, "completion");
      const r = await completeWithFallback(services.models, input, { chain, mode: "fallback", decision: `first:${chain[0]}`, reason }, signal);
      return { text: r.value.text, decision: { model: r.model, action: r.skipped.length ? "fallback" : "first", reason: withSkips(reason, r.skipped) } };
    },
  };
}

function fallbackAsk(services: ModeServices, collab: ApiCollab) {
  return {
    async ask(input: AskInput, signal: AbortSignal, onText?: (t: string) => void): Promise<AskOutput> {
      const { chain, reason } = fallbackChain(services, collab, input.filePath, "ask");
      const r = await askWithFallback(services.models, input, { chain, mode: "fallback", decision: `first:${chain[0]}`, reason }, signal, onText);
      return { text: r.value.text, decision: { model: r.model, action: r.skipped.length ? "fallback" : "first", reason: withSkips(reason, r.skipped) } };
    },
  };
}

export function registerApiModes(modes: ModeRegistry, collab: ApiCollab): void {
  modes.register({
    id: "route",
    label: "Route",
    description: "A learned router sends each request to a cheap or a strong model before any model runs, and learns from what you accept.",
    surfaces: ["completion", "ask"],
    completion: (s) => routeCompletion(s, collab),
    ask: (s) => routeAsk(s, collab),
  });
  modes.register({
    id: "cascade",
    label: "Cascade",
    description: "A cheap model answers first; when it is not confident (logprobs, a verifier, a learned scorer) a strong model answers instead.",
    surfaces: ["completion", "ask"],
    completion: (s) => cascadeCompletion(s, collab),
    ask: (s) => cascadeAsk(s, collab),
  });
  modes.register({
    id: "fallback",
    label: "Fallback chain",
    description: "One model answers; when it is unreachable, rate-limited, timed out or over budget, the next in chorus.routing.fallbackChain does.",
    surfaces: ["completion", "ask"],
    completion: (s) => fallbackCompletion(s, collab),
    ask: (s) => fallbackAsk(s, collab),
  });
}
