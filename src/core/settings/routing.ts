// chorus.routing.* and chorus.completion.*: the schema and defaults of the API-level modes' options (route,
// cascade, fallback) and of inline completions, for the extension's settings and the CLI's config file alike
// ({"routing": {…}, "completion": {…}}).

import { z } from "zod";
import { defaultApiCollabOptions, type ApiCollabOptions } from "../collab/api/api-collab";
import { DEFERRAL_RULES, type DeferralRuleId } from "../collab/api/cascade";
import type { MultilinePolicy } from "../completion/policy";
import { readSection, setting, type SettingProblem, type SettingsReader } from "./section";

const defaults = defaultApiCollabOptions();
const fraction = z.number().min(0).max(1);
/** A model id; blank means "not chosen" (the settings UI leaves an emptied field as ""). */
const optionalModelId = z.string().transform((s) => s.trim() || undefined);
const rules = z.array(z.enum(DEFERRAL_RULES as readonly [DeferralRuleId, ...DeferralRuleId[]]));
const rulesExpected = `a list of ${DEFERRAL_RULES.join(", ")}`;

export const ROUTING_SETTINGS = {
  strongShare: setting(fraction, defaults.strongShare, "a number from 0 to 1"),
  cheapModel: setting(optionalModelId, undefined, "a model id"),
  strongModel: setting(optionalModelId, undefined, "a model id"),
  cascadeThreshold: setting(fraction, defaults.cascadeThreshold, "a number from 0 to 1"),
  cascadeRulesCompletion: setting(rules, () => [...defaults.cascadeRules.completion], rulesExpected),
  cascadeRulesAsk: setting(rules, () => [...defaults.cascadeRules.ask], rulesExpected),
  fallbackChain: setting(
    z.array(z.string()).transform((ids) => ids.map((id) => id.trim()).filter(Boolean)),
    () => [],
    "a list of model ids",
  ),
  learn: setting(z.boolean(), defaults.learn, "true or false"),
};

export interface CompletionSettings {
  enabled: boolean;
  multiline: MultilinePolicy;
  debounce: { minMs: number; maxMs: number };
}

const debounce = z
  .tuple([z.number().min(0), z.number().min(0)])
  .refine(([min, max]) => min <= max)
  .transform(([minMs, maxMs]) => ({ minMs, maxMs }));

export const COMPLETION_SETTINGS = {
  enabled: setting(z.boolean(), true, "true or false"),
  multiline: setting(z.enum(["auto", "always", "never"]), "auto" as MultilinePolicy, "auto, always or never"),
  latencyBudgetMs: setting(z.number().min(100), defaults.completionLatencyBudgetMs, "a number of milliseconds ≥ 100"),
  debounceMs: setting(debounce, () => ({ minMs: 75, maxMs: 1000 }), "[min, max] in milliseconds with min ≤ max"),
};

export interface RoutingSettings {
  collab: ApiCollabOptions;
  completion: CompletionSettings;
}

/** The routing and completion sections, each bad value replaced by its default and reported. */
export function readRoutingSettings(reader: SettingsReader, problems: SettingProblem[]): RoutingSettings {
  const r = readSection(ROUTING_SETTINGS, "routing", reader, problems);
  const c = readSection(COMPLETION_SETTINGS, "completion", reader, problems);
  const collab: ApiCollabOptions = {
    strongShare: r.strongShare,
    cascadeRules: { completion: r.cascadeRulesCompletion, ask: r.cascadeRulesAsk },
    cascadeThreshold: r.cascadeThreshold,
    completionLatencyBudgetMs: c.latencyBudgetMs,
    fallbackChain: r.fallbackChain,
    learn: r.learn,
    ...(r.cheapModel ? { cheapModel: r.cheapModel } : {}),
    ...(r.strongModel ? { strongModel: r.strongModel } : {}),
  };
  return { collab, completion: { enabled: c.enabled, multiline: c.multiline, debounce: c.debounceMs } };
}
