// "cascade": the cheapest allowed model answers first; the deferral rules (cascade.ts) keep its answer or
// escalate to the strong model. The whole run shares one runId in the ledger.

import { randomUUID } from "node:crypto";
import type { AskInput, AskOutput, CompletionInput, CompletionOutput, ModeServices, ModeSurface } from "../../modes";
import type { Completion } from "../../providers/types";
import { answerFeatures } from "./answer-features";
import type { ApiCollab } from "./api-collab";
import { askText, askWithFallback, completeWithFallback, completionText, supportsLogprobs, type CallPlan } from "./calls";
import {
  agreementVerdict,
  decide,
  learnedVerdict,
  logprobVerdict,
  parseVerification,
  rulesFor,
  verificationPrompt,
  type CascadeDecision,
  type DeferralRuleId,
  type Verdict,
} from "./cascade";
import type { FeatureVector } from "./features";
import { allowedTiers, withSkips } from "./route-mode";
import { chainFrom } from "./tiers";

interface CascadeRun {
  surface: ModeSurface & ("completion" | "ask");
  question: string;
  filePath?: string;
  languageId?: string;
  /** Calls a model with the run's context; `extra` carries per-call options (logprobs, temperature). */
  call: (
    plan: CallPlan,
    extra: { topLogprobs?: number; temperature?: number },
  ) => Promise<{ value: Completion; model: string; skipped: { model: string; why: string }[] }>;
}

async function judge(
  services: ModeServices,
  collab: ApiCollab,
  run: CascadeRun,
  cheapChain: string[],
  first: { value: Completion; model: string },
  runId: string,
  signal: AbortSignal,
): Promise<{ decision: CascadeDecision; features: FeatureVector }> {
  const { rules, note } = rulesFor(collab.options.cascadeRules[run.surface], first.value.logprobs.length > 0, first.model);
  const decision = await runRules(services, collab, run, rules, cheapChain, first.value, runId, signal);
  if (note) decision.decision.why = `${note}; ${decision.decision.why}`;
  return decision;
}

async function runRules(
  services: ModeServices,
  collab: ApiCollab,
  run: CascadeRun,
  rules: DeferralRuleId[],
  cheapChain: string[],
  first: Completion,
  runId: string,
  signal: AbortSignal,
): Promise<{ decision: CascadeDecision; features: FeatureVector }> {
  const verdicts: Verdict[] = [];
  const features = answerFeatures({
    text: run.question,
    surface: run.surface,
    languageId: run.languageId,
    filePath: run.filePath,
    answer: first.text,
    logprobs: first.logprobs,
    finishReason: first.finishReason,
  });
  for (const rule of rules) {
    if (signal.aborted) break;
    if (rule === "logprob") {
      const v = logprobVerdict(first);
      if (v) verdicts.push(v);
    } else if (rule === "learned") {
      // An untrained scorer knows nothing; letting it vote would escalate half of everything at random.
      if (collab.cascadeScorer.seen > 0) verdicts.push(learnedVerdict(collab.cascadeScorer, features));
    } else if (rule === "agreement") {
      const second = await run.call(
        { chain: cheapChain.slice(1).concat(cheapChain.slice(0, 1)), mode: "cascade", decision: "cascade:second-opinion", reason: "agreement check", runId },
        { temperature: 0.8 },
      );
      verdicts.push(agreementVerdict(first.text, second.value.text));
    } else if (rule === "verify") {
      const verifier = cheapChain[1] ?? cheapChain[0]!;
      const reply = await services.models.chat(
        verifier,
        [{ role: "user", content: verificationPrompt(run.question, first.text) }],
        { maxTokens: 3, temperature: 0, topLogprobs: (await supportsLogprobs(services.models, verifier)) ? 5 : undefined },
        { surface: run.surface, mode: "cascade", decision: "cascade:verify", reason: `${verifier} checks the cheap answer`, runId, filePath: run.filePath },
        signal,
      );
      const v = parseVerification(reply);
      if (v) verdicts.push(v);
    }
  }
  return { decision: decide(verdicts, collab.options.cascadeThreshold), features };
}

async function cascade(
  services: ModeServices,
  collab: ApiCollab,
  run: CascadeRun,
  signal: AbortSignal,
  latencyBudgetMs?: number,
): Promise<{ text: string; model: string; action: string; reason: string; features: FeatureVector; served: "cheap" | "strong" }> {
  const started = performance.now();
  const tiers = allowedTiers(services, collab, run.filePath);
  const runId = randomUUID();
  const cheapChain = chainFrom(tiers.cheap, []);
  const wantsLogprobs = collab.options.cascadeRules[run.surface].includes("logprob") && (await supportsLogprobs(services.models, cheapChain[0]!));
  const first = await run.call(
    { chain: cheapChain, mode: "cascade", decision: `cascade:cheap:${cheapChain[0]}`, reason: "the cheap model answers first", runId },
    { topLogprobs: wantsLogprobs ? 0 : undefined },
  );
  const { decision, features } = await judge(services, collab, run, cheapChain, first, runId, signal);
  const strongChain = chainFrom(tiers.strong, []).filter((id) => id !== first.model);
  let why = withSkips(decision.why, first.skipped);
  if (!decision.escalate || strongChain.length === 0) {
    if (decision.escalate) why += "; no stronger model is allowed here, kept the cheap answer";
    return { text: first.value.text, model: first.model, action: "kept", reason: why, features, served: "cheap" };
  }
  if (latencyBudgetMs !== undefined) {
    const elapsed = performance.now() - started;
    if (elapsed + collab.strongLatency.expectedMs > latencyBudgetMs)
      return {
        text: first.value.text,
        model: first.model,
        action: "kept",
        reason: `${why}; but escalating would pass the ${latencyBudgetMs} ms latency budget (${elapsed.toFixed(0)} ms spent, strong model takes ~${collab.strongLatency.expectedMs.toFixed(0)} ms)`,
        features,
        served: "cheap",
      };
  }
  const t = performance.now();
  const strong = await run.call({ chain: strongChain, mode: "cascade", decision: `escalated:${strongChain[0]}`, reason: why, runId }, {});
  collab.strongLatency.observe(performance.now() - t);
  return { text: strong.value.text, model: strong.model, action: "escalated", reason: withSkips(why, strong.skipped), features, served: "strong" };
}

export function cascadeCompletion(services: ModeServices, collab: ApiCollab) {
  return {
    async complete(input: CompletionInput, signal: AbortSignal): Promise<CompletionOutput> {
      const run: CascadeRun = {
        surface: "completion",
        question: completionText(input),
        filePath: input.filePath,
        languageId: input.languageId,
        call: (plan, extra) => completeWithFallback(services.models, input, plan, signal, extra),
      };
      const r = await cascade(services, collab, run, signal, collab.options.completionLatencyBudgetMs);
      const feedbackId = collab.remember({ kind: "cascade", features: r.features, prior: 0.5, served: r.served });
      return { text: r.text, decision: { model: r.model, action: r.action, reason: r.reason }, feedbackId };
    },
  };
}

export function cascadeAsk(services: ModeServices, collab: ApiCollab) {
  return {
    async ask(input: AskInput, signal: AbortSignal, onText?: (t: string) => void): Promise<AskOutput> {
      // The cheap answer is judged before the user sees it, so nothing streams until the cascade has decided.
      const run: CascadeRun = {
        surface: "ask",
        question: askText(input),
        filePath: input.filePath,
        languageId: input.languageId,
        call: (plan, extra) => askWithFallback(services.models, input, plan, signal, undefined, extra),
      };
      const r = await cascade(services, collab, run, signal);
      onText?.(r.text);
      const feedbackId = collab.remember({ kind: "cascade", features: r.features, prior: 0.5, served: r.served });
      return { text: r.text, decision: { model: r.model, action: r.action, reason: r.reason }, feedbackId };
    },
  };
}
