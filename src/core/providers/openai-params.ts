/**
 * Which request parameters a model on an OpenAI-compatible endpoint accepts. Known in advance from the model's name
 * where the rule is documented (OpenAI's o-series and gpt-5 reasoning models refuse `temperature`/`top_p`/`logprobs`
 * and want `max_completion_tokens`; DeepSeek's reasoner errors on `logprobs`), and otherwise learned from the
 * server's own 400s: the request is sent once more without the parameter the error names, and the model keeps
 * that lesson, so later requests skip the failing attempt. Deployment names (Azure) and proxies hide the model, so
 * the learning is what makes every endpoint work; the name rules only save the first refusal.
 */

import { isProviderError } from "./errors";
import type { HostFamily } from "./openai-hosts";

/** Optional parameters a model may refuse; Chorus then sends the request without them. */
export type DroppableParam = "temperature" | "top_p" | "seed" | "stop" | "logprobs" | "stream_options" | "reasoning_effort";
const DROPPABLE: readonly DroppableParam[] = ["temperature", "top_p", "seed", "stop", "logprobs", "stream_options", "reasoning_effort"];

/** How the output token limit is named: OpenAI's reasoning models refuse `max_tokens`, some other servers the new name. */
export type TokenLimitField = "max_tokens" | "max_completion_tokens";

export interface ParamProfile {
  limitField: TokenLimitField;
  refused: ReadonlySet<DroppableParam>;
  /** A reasoning model: its output limit also pays for hidden reasoning tokens. */
  reasoning: boolean;
}

/** What one refusal teaches. */
export type Lesson = { drop: DroppableParam } | { limitField: TokenLimitField };

/** o1, o3-mini, o4-mini, gpt-5, gpt-5-mini… also behind a router prefix ("openai/o3-mini"). */
export function isReasoningModelName(model: string): boolean {
  const name = model.slice(model.lastIndexOf("/") + 1);
  return /^(o\d|gpt-5)/i.test(name) || /deepseek-reasoner|deepseek-r1/i.test(name);
}

/** The profile a model starts with, before any refusal is seen. */
export function initialProfile(host: HostFamily, model: string): ParamProfile {
  const reasoning = isReasoningModelName(model);
  // OpenAI (and Azure, which serves the same models) documents these refusals for reasoning models
  // (platform.openai.com/docs/guides/reasoning, "Limitations"); its chat API takes max_completion_tokens for all.
  if ((host === "openai" || host === "azure") && reasoning)
    return { limitField: "max_completion_tokens", refused: new Set(["temperature", "top_p", "logprobs"]), reasoning };
  if (host === "openai" || host === "azure") return { limitField: "max_completion_tokens", refused: new Set(), reasoning };
  // DeepSeek's reasoning-model guide: temperature/top_p are accepted and ignored, "setting logprobs, top_logprobs
  // will trigger an error".
  if (/deepseek-reasoner/i.test(model)) return { limitField: "max_tokens", refused: new Set(["logprobs"]), reasoning };
  return { limitField: "max_tokens", refused: new Set(), reasoning };
}

const NAMED = [
  // OpenAI: "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is
  // supported." / "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens'
  // instead." (the same wording on Azure OpenAI).
  /Unsupported (?:value|parameter): '(\w+)'/i,
  // DeepSeek: "deepseek-reasoner does not support the parameter `logprobs`".
  /does not support the parameter `(\w+)`/i,
  // vLLM and other pydantic-validated servers: "… 'loc': ('body', 'stream_options'), 'msg': 'Extra inputs are not permitted'".
  /\('body', '(\w+)'\).{0,40}Extra inputs are not permitted/i,
];

/** The parameter a server's 400 names as refused, if it names one Chorus can leave out. */
function refusedName(text: string, param: unknown, code: unknown): string | undefined {
  if (typeof param === "string" && (code === "unsupported_value" || code === "unsupported_parameter")) return param;
  for (const re of NAMED) {
    const m = re.exec(text);
    if (m?.[1]) return m[1];
  }
  // Gemini's OpenAI layer: "Logprobs is not enabled for models/gemini-2.5-pro" (the native API's wording).
  if (/\blogprobs (?:is|are) not (?:enabled|supported)/i.test(text)) return "logprobs";
  if (/stream_options/i.test(text)) return "stream_options";
  return undefined;
}

/** What a failed request teaches about the model's parameters, or undefined when it was not a parameter refusal. */
export function lessonFrom(e: unknown): Lesson | undefined {
  if (!isProviderError(e)) return undefined;
  const status = e.details.status;
  if (status !== 400 && status !== 422) return undefined;
  const cause = (e.details.cause ?? {}) as { message?: unknown; param?: unknown; code?: unknown };
  const text = `${typeof cause.message === "string" ? cause.message : ""} ${e.message}`;
  const name = refusedName(text, cause.param, cause.code);
  if (name === "max_tokens") return { limitField: "max_completion_tokens" };
  if (name === "max_completion_tokens") return { limitField: "max_tokens" };
  if (name === "top_logprobs") return { drop: "logprobs" };
  return DROPPABLE.includes(name as DroppableParam) ? { drop: name as DroppableParam } : undefined;
}

/** Per-model profiles of one endpoint: the name rules plus what its 400s taught. */
export class ParamProfiles {
  private readonly learned = new Map<string, { refused: Set<DroppableParam>; limitField?: TokenLimitField }>();

  constructor(private readonly host: () => HostFamily) {}

  profile(model: string): ParamProfile {
    const base = initialProfile(this.host(), model);
    const l = this.learned.get(model);
    if (!l) return base;
    return { limitField: l.limitField ?? base.limitField, refused: new Set([...base.refused, ...l.refused]), reasoning: base.reasoning };
  }

  /** Remember a lesson; false when it teaches nothing new (so a second identical refusal is not retried forever). */
  learn(model: string, lesson: Lesson): boolean {
    const now = this.profile(model);
    const l = this.learned.get(model) ?? { refused: new Set<DroppableParam>() };
    if ("drop" in lesson) {
      if (now.refused.has(lesson.drop)) return false;
      l.refused.add(lesson.drop);
    } else {
      if (now.limitField === lesson.limitField) return false;
      l.limitField = lesson.limitField;
    }
    this.learned.set(model, l);
    return true;
  }
}

/** A request body as the model accepts it: refused parameters left out, the output limit under the right name. */
export function shapeBody(body: Record<string, unknown>, profile: ParamProfile, chat: boolean): Record<string, unknown> {
  const out = { ...body };
  for (const p of profile.refused) {
    delete out[p];
    if (p === "logprobs") delete out.top_logprobs;
  }
  // The legacy /v1/completions API only ever knew max_tokens.
  const field: TokenLimitField = chat ? profile.limitField : "max_tokens";
  const limit = out.max_tokens ?? out.max_completion_tokens;
  delete out.max_tokens;
  delete out.max_completion_tokens;
  if (limit !== undefined) out[field] = limit;
  return out;
}
