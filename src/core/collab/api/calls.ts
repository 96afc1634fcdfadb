// The model calls the API-level modes make, with the fallback chain and the ledger context in one place.

import { askMessages } from "../../ask-prompt";
import type { AskInput, CompletionInput } from "../../modes";
import type { CallContext, Models } from "../../models";
import type { Completion, GenerationOptions } from "../../providers/types";
import { completionOptions } from "../../completion/options";
import { withFallback, type FallbackResult } from "./fallback";

export interface CallPlan {
  chain: string[];
  mode: string;
  decision: string;
  reason: string;
  runId?: string;
}

function context(surface: "completion" | "ask", plan: CallPlan, filePath: string | undefined, fbDecision?: string, fbReason?: string): CallContext {
  return {
    surface,
    mode: plan.mode,
    // A fallback keeps the original decision visible and adds what failed before this model answered.
    decision: fbDecision ? `${plan.decision} → ${fbDecision}` : plan.decision,
    reason: fbReason ? `${plan.reason}; ${fbReason}` : plan.reason,
    runId: plan.runId,
    filePath,
  };
}

/** Whether a model's provider returns token logprobs (so the cascade can ask for them). */
export async function supportsLogprobs(models: Models, id: string): Promise<boolean> {
  try {
    const p = await models.provider(id);
    return p.capabilities(models.get(id).model).logprobs;
  } catch {
    return false;
  }
}

export function completeWithFallback(
  models: Models,
  input: CompletionInput,
  plan: CallPlan,
  signal: AbortSignal,
  extra: GenerationOptions = {},
): Promise<FallbackResult<Completion>> {
  return withFallback(plan.chain, (id, d, r) =>
    models.complete(id, input.prefix, input.suffix, completionOptions(input, extra), context("completion", plan, input.filePath, d, r), signal),
  );
}

export function askWithFallback(
  models: Models,
  input: AskInput,
  plan: CallPlan,
  signal: AbortSignal,
  onText?: (t: string) => void,
  extra: GenerationOptions = {},
): Promise<FallbackResult<Completion>> {
  // A model that fails half-way through its answer has already shown text: say so before the next model's
  // answer follows, rather than splicing two answers together silently.
  let shownBy: string | undefined;
  return withFallback(plan.chain, async (id, d, r) => {
    if (shownBy) onText?.(`\n\n*${shownBy} stopped answering; ${id} answers instead:*\n\n`);
    shownBy = undefined;
    return models.chat(id, askMessages(input), { temperature: 0.2, ...extra }, context("ask", plan, input.filePath, d, r), signal, (delta) => {
      if (!delta.text) return;
      shownBy = id;
      onText?.(delta.text);
    });
  });
}

/** What the router and the learned scorer read from an inline completion request. */
export function completionText(input: CompletionInput): string {
  // The last few lines say what kind of completion this is; more text only costs time on every keystroke.
  return `${input.prefix.slice(-500)}\n${input.suffix.slice(0, 150)}`;
}

export function askText(input: AskInput): string {
  return input.code ? `${input.question}\n${input.code}` : input.question;
}
