// chorus.routing.* and chorus.completion.* → the options of the API-level modes and the inline completion engine.
// A bad value never stops completions: the default is used and the problem named with the setting to fix.

import type * as vscode from "vscode";
import { defaultApiCollabOptions, type ApiCollabOptions } from "../core/collab/api/api-collab";
import { DEFERRAL_RULES, type DeferralRuleId } from "../core/collab/api/cascade";
import type { MultilinePolicy } from "../core/completion/policy";
import { SETTINGS } from "./settings";

export interface CompletionSettings {
  enabled: boolean;
  multiline: MultilinePolicy;
  debounce: { minMs: number; maxMs: number };
}

export interface RoutingSettings {
  collab: ApiCollabOptions;
  completion: CompletionSettings;
  problems: string[];
}

export function readRoutingSettings(config: Pick<vscode.WorkspaceConfiguration, "get">): RoutingSettings {
  const problems: string[] = [];
  const collab = defaultApiCollabOptions();
  const completion: CompletionSettings = { enabled: true, multiline: "auto", debounce: { minMs: 75, maxMs: 1000 } };
  const get = (k: string): unknown => config.get<unknown>(k);
  const fraction = (k: string, set: (v: number) => void): void => {
    const v = get(k);
    if (v === undefined) return;
    if (typeof v === "number" && v >= 0 && v <= 1) set(v);
    else problems.push(`${k} must be a number from 0 to 1`);
  };
  fraction(SETTINGS.routingStrongShare, (v) => (collab.strongShare = v));
  fraction(SETTINGS.routingCascadeThreshold, (v) => (collab.cascadeThreshold = v));
  for (const [k, field] of [[SETTINGS.routingCheapModel, "cheapModel"], [SETTINGS.routingStrongModel, "strongModel"]] as const) {
    const v = get(k);
    if (typeof v === "string" && v.trim()) collab[field] = v.trim();
    else if (v !== undefined && typeof v !== "string") problems.push(`${k} must be a model id`);
  }
  const rules = (k: string): DeferralRuleId[] | undefined => {
    const v = get(k);
    if (v === undefined) return undefined;
    if (Array.isArray(v) && v.every((r) => DEFERRAL_RULES.includes(r as DeferralRuleId))) return v as DeferralRuleId[];
    problems.push(`${k} must be a list of ${DEFERRAL_RULES.join(", ")}`);
    return undefined;
  };
  collab.cascadeRules = { completion: rules(SETTINGS.routingCascadeRulesCompletion) ?? collab.cascadeRules.completion, ask: rules(SETTINGS.routingCascadeRulesAsk) ?? collab.cascadeRules.ask };
  const chain = get(SETTINGS.routingFallbackChain);
  if (Array.isArray(chain) && chain.every((c) => typeof c === "string")) collab.fallbackChain = (chain as string[]).map((c) => c.trim()).filter(Boolean);
  else if (chain !== undefined) problems.push(`${SETTINGS.routingFallbackChain} must be a list of model ids`);
  const learn = get(SETTINGS.routingLearn);
  if (typeof learn === "boolean") collab.learn = learn;
  const budget = get(SETTINGS.completionLatencyBudgetMs);
  if (typeof budget === "number" && budget >= 100) collab.completionLatencyBudgetMs = budget;
  else if (budget !== undefined) problems.push(`${SETTINGS.completionLatencyBudgetMs} must be a number of milliseconds ≥ 100`);

  const enabled = get(SETTINGS.completionEnabled);
  if (typeof enabled === "boolean") completion.enabled = enabled;
  const ml = get(SETTINGS.completionMultiline);
  if (ml === "auto" || ml === "always" || ml === "never") completion.multiline = ml;
  else if (ml !== undefined) problems.push(`${SETTINGS.completionMultiline} must be auto, always or never`);
  const deb = get(SETTINGS.completionDebounceMs);
  if (Array.isArray(deb) && deb.length === 2 && deb.every((x) => typeof x === "number" && x >= 0) && deb[0] <= deb[1]) completion.debounce = { minMs: deb[0], maxMs: deb[1] };
  else if (deb !== undefined) problems.push(`${SETTINGS.completionDebounceMs} must be [min, max] in milliseconds with min ≤ max`);
  return { collab, completion, problems };
}
