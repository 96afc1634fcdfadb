// "route": the router picks cheap or strong before any model runs; the fallback chain covers failures.

import type { AskInput, AskOutput, CompletionInput, CompletionOutput, ModeServices } from "../../modes";
import { allowedModels } from "../../privacy";
import { ProviderError } from "../../providers/errors";
import type { ApiCollab } from "./api-collab";
import { budgetedShare } from "./calibration";
import { askText, askWithFallback, completeWithFallback, completionText } from "./calls";
import type { RequestFeaturesInput } from "./features";
import { routerEmbedding } from "./route-embedding";
import type { RouteScore } from "./router";
import { chainFrom, type Tiers } from "./tiers";

export interface RoutePlan {
  tier: "cheap" | "strong";
  chain: string[];
  score: RouteScore;
  threshold: number;
  reason: string;
  /** The cheap tier's model ids, to tell after a fallback which tier answered. */
  cheapIds: string[];
}

export function noModelError(filePath: string | undefined): ProviderError {
  return new ProviderError(
    "model_missing",
    filePath
      ? `No configured model may see ${filePath}: the privacy rules keep it local and no local model is configured. Add a local model (Ollama or the sidecar).`
      : "No model is configured. Start Ollama (Chorus finds its models by itself) or add one to the chorus.models setting (or the models list of chorus.json for the CLI).",
  );
}

export function allowedTiers(services: ModeServices, collab: ApiCollab, filePath: string | undefined): Tiers {
  const allowed = allowedModels(services.config.models, services.config.privacy, filePath);
  const tiers = collab.tiers.of(allowed, collab.options);
  if (tiers.cheap.length === 0) throw noModelError(filePath);
  return tiers;
}

export function planRoute(services: ModeServices, collab: ApiCollab, req: RequestFeaturesInput): RoutePlan {
  const tiers = allowedTiers(services, collab, req.filePath);
  const score = collab.router.score(req);
  const remaining = services.models.budget.remaining();
  const share = budgetedShare(collab.options.strongShare, services.config.budgetUsd, remaining, new Date());
  const threshold = collab.calibrator.threshold(share);
  collab.calibrator.observe(score.p);
  const wantStrong = score.p >= threshold;
  const sameModel = tiers.strong[0]?.id === tiers.cheap[0]?.id;
  const tier = wantStrong && !sameModel ? "strong" : "cheap";
  const chain = tier === "strong" ? chainFrom(tiers.strong, tiers.cheap) : chainFrom(tiers.cheap, tiers.strong);
  const why = [
    `p(strong)=${score.p.toFixed(2)} ${wantStrong ? "≥" : "<"} threshold ${threshold === Infinity ? "∞" : threshold.toFixed(2)} (target share ${(share * 100).toFixed(0)}%)`,
    `prior ${score.prior.toFixed(2)}: ${score.priorWhy}`,
    ...score.drivers,
  ];
  if (wantStrong && sameModel) why.push("only one usable model");
  return { tier, chain, score, threshold, reason: why.join("; "), cheapIds: tiers.cheap.map((m) => m.id) };
}

export function routeCompletion(services: ModeServices, collab: ApiCollab) {
  return {
    async complete(input: CompletionInput, signal: AbortSignal): Promise<CompletionOutput> {
      const plan = planRoute(services, collab, {
        text: completionText(input),
        surface: "completion",
        languageId: input.languageId,
        filePath: input.filePath,
        cursor: { atLineEnd: input.atLineEnd, multiline: input.multiline, prefixChars: input.prefix.length, suffixChars: input.suffix.length },
      });
      const r = await completeWithFallback(
        services.models,
        input,
        { chain: plan.chain, mode: "route", decision: `routed:${plan.chain[0]}`, reason: plan.reason },
        signal,
      );
      const served = servedTier(plan, r.model);
      const feedbackId = collab.remember({ kind: "route", features: plan.score.features, prior: plan.score.prior, served });
      return {
        text: r.value.text,
        decision: { model: r.model, action: r.skipped.length ? "fallback" : "routed", reason: withSkips(plan.reason, r.skipped) },
        feedbackId,
      };
    },
  };
}

export function routeAsk(services: ModeServices, collab: ApiCollab) {
  return {
    async ask(input: AskInput, signal: AbortSignal, onText?: (t: string) => void): Promise<AskOutput> {
      const text = askText(input);
      const semantic = await routerEmbedding(services, text, input.filePath, signal);
      const plan = planRoute(services, collab, { text, surface: "ask", languageId: input.languageId, filePath: input.filePath, ...semantic });
      const r = await askWithFallback(
        services.models,
        input,
        { chain: plan.chain, mode: "route", decision: `routed:${plan.chain[0]}`, reason: plan.reason },
        signal,
        onText,
      );
      const feedbackId = collab.remember({ kind: "route", features: plan.score.features, prior: plan.score.prior, served: servedTier(plan, r.model) });
      return {
        text: r.value.text,
        decision: { model: r.model, action: r.skipped.length ? "fallback" : "routed", reason: withSkips(plan.reason, r.skipped) },
        feedbackId,
      };
    },
  };
}

/** Which tier's answer the user saw: the planned one, or the other when the chain fell back across tiers. */
function servedTier(plan: RoutePlan, model: string): "cheap" | "strong" {
  if (model === plan.chain[0]) return plan.tier;
  return plan.cheapIds.includes(model) ? "cheap" : "strong";
}

export function withSkips(reason: string, skipped: { model: string; why: string }[]): string {
  return skipped.length ? `${reason}; fell back after ${skipped.map((s) => `${s.model} ${s.why}`).join(", ")}` : reason;
}
