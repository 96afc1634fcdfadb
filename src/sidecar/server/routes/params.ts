// OpenAI request bodies, validated field by field: a wrong type gets a 400 naming the field and what it must be.
// Fields Chorus does not use (user, frequency_penalty, …) are accepted and ignored, as other OpenAI-compatible
// servers do, so stock clients work unchanged.

import { quoteValue } from "../../../core/quote";
import type { GenerateOptions } from "../../generation/generate";
import type { ChatTurn } from "../../generation/prompts";
import { badRequest } from "../errors";

export type Body = Record<string, unknown>;

export interface CommonParams {
  model: string;
  options: GenerateOptions;
  stream: boolean;
  includeUsage: boolean;
  /** Request-level overrides for a virtual model (`"chorus": {"beta": 1}`). */
  chorus?: Record<string, unknown>;
  /** Completions' `echo`: the prompt comes back first (scored when logprobs are asked for). */
  echo?: boolean;
  /** vLLM's `prompt_logprobs` (completions only): score the prompt, with this many alternatives per token. */
  promptLogprobs?: number;
}

const MAX_STOPS = 16;

export function asBody(raw: unknown): Body {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw badRequest("The request body must be a JSON object.");
  return raw as Body;
}

function num(b: Body, key: string, min: number, max: number, dflt: number): number {
  const v = b[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max)
    throw badRequest(`"${key}" must be a number from ${min} to ${max}, not ${quoteValue(v)}.`, key);
  return v;
}

function int(b: Body, key: string, min: number, max: number): number | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
    throw badRequest(`"${key}" must be an integer from ${min} to ${max}, not ${quoteValue(v)}.`, key);
  return v;
}

function stops(b: Body): string[] {
  const v = b.stop;
  if (v === undefined || v === null) return [];
  const list = typeof v === "string" ? [v] : v;
  if (!Array.isArray(list) || list.length > MAX_STOPS || list.some((s) => typeof s !== "string"))
    throw badRequest(`"stop" must be a string or a list of at most ${MAX_STOPS} strings.`, "stop");
  return (list as string[]).filter((s) => s !== "");
}

/** `leastMaxTokens`: 0 where a request may generate nothing (completions that only score their prompt). */
export function commonParams(b: Body, defaultMaxTokens: number, topLogprobs: number | undefined, leastMaxTokens = 1): CommonParams {
  const model = b.model;
  if (typeof model !== "string" || model === "") throw badRequest('"model" is required: one of the ids GET /v1/models lists.', "model");
  const n = int(b, "n", 1, 1);
  void n; // Only one choice per request: an n above 1 is refused above rather than silently ignored.
  const maxTokens = int(b, "max_completion_tokens", leastMaxTokens, 1_000_000) ?? int(b, "max_tokens", leastMaxTokens, 1_000_000) ?? defaultMaxTokens;
  const stream = b.stream;
  if (stream !== undefined && stream !== null && typeof stream !== "boolean") throw badRequest('"stream" must be true or false.', "stream");
  const so = b.stream_options;
  if (so !== undefined && so !== null && (typeof so !== "object" || Array.isArray(so)))
    throw badRequest('"stream_options" must be an object like {"include_usage": true}.', "stream_options");
  const chorus = b.chorus;
  if (chorus !== undefined && chorus !== null && (typeof chorus !== "object" || Array.isArray(chorus)))
    throw badRequest('"chorus" must be an object of mixing parameters, like {"beta": 1.0}.', "chorus");
  return {
    model,
    stream: stream === true,
    includeUsage: (so as { include_usage?: unknown } | undefined)?.include_usage === true,
    chorus: (chorus ?? undefined) as Record<string, unknown> | undefined,
    options: {
      maxTokens,
      temperature: num(b, "temperature", 0, 2, 1),
      topP: num(b, "top_p", 0, 1, 1) || 1,
      seed: int(b, "seed", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
      stop: stops(b),
      topLogprobs,
    },
  };
}

export interface CompletionParams extends CommonParams {
  prompt: string;
  suffix?: string;
  /** vLLM's truncate_prompt_tokens: −1 = drop whole lines until the prompt fits, k > 0 = also at most k tokens. */
  truncate?: number;
}

export function completionParams(raw: unknown): CompletionParams {
  const b = asBody(raw);
  let prompt = b.prompt;
  if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === "string") prompt = prompt[0];
  if (typeof prompt !== "string") throw badRequest('"prompt" must be a string (one prompt per request).', "prompt");
  const suffix = b.suffix;
  if (suffix !== undefined && suffix !== null && typeof suffix !== "string") throw badRequest('"suffix" must be a string.', "suffix");
  // Legacy completions: `logprobs` is the number of alternatives (0–20); absent means none.
  const lp = int(b, "logprobs", 0, 20);
  const truncate = int(b, "truncate_prompt_tokens", -1, 1 << 24);
  if (truncate === 0) throw badRequest('"truncate_prompt_tokens" must be -1 (as many as fit) or a positive number of tokens, not 0.', "truncate_prompt_tokens");
  const echo = echoParam(b, suffix, truncate);
  const promptLogprobs = promptLogprobsParam(b, suffix, truncate);
  const common = commonParams(b, 16, lp, echo || promptLogprobs !== undefined ? 0 : 1);
  return { ...common, echo, promptLogprobs, prompt, suffix: (suffix ?? undefined) as string | undefined, truncate };
}

/**
 * OpenAI's legacy `echo`: the prompt comes back before the reply; with `logprobs`, its tokens are scored (the
 * first null), and `max_tokens: 0` only scores. What it cannot combine with is refused rather than half-done.
 */
function echoParam(b: Body, suffix: unknown, truncate: number | undefined): boolean {
  const echo = b.echo;
  if (echo !== undefined && echo !== null && typeof echo !== "boolean") throw badRequest('"echo" must be true or false.', "echo");
  const scoring = echo === true || (b.prompt_logprobs !== undefined && b.prompt_logprobs !== null);
  if (!scoring && (b.max_tokens === 0 || b.max_completion_tokens === 0))
    throw badRequest('"max_tokens": 0 generates nothing; add "echo": true with "logprobs": N to score the prompt instead.', "max_tokens");
  if (echo !== true) return false;
  promptMustBeWhole(suffix, truncate, "echo");
  return true;
}

/** vLLM's `prompt_logprobs`: N alternatives (0–20) per prompt token, answered whole (vLLM refuses it streamed). */
function promptLogprobsParam(b: Body, suffix: unknown, truncate: number | undefined): number | undefined {
  const n = int(b, "prompt_logprobs", 0, 20);
  if (n === undefined) return undefined;
  if (b.stream === true)
    throw badRequest('"prompt_logprobs" is answered whole, not streamed (as vLLM does); drop "stream" or use "echo" with "logprobs".', "prompt_logprobs");
  promptMustBeWhole(suffix, truncate, "prompt_logprobs");
  return n;
}

/** Scoring covers the prompt as sent: one text, not cut. */
function promptMustBeWhole(suffix: unknown, truncate: number | undefined, field: string): void {
  if (typeof suffix === "string" && suffix !== "")
    throw badRequest(`"${field}" cannot be combined with "suffix": a fill-in-the-middle prompt is not one text to score.`, field);
  if (truncate !== undefined) throw badRequest(`"${field}" cannot be combined with "truncate_prompt_tokens": the scored prompt must be the one sent.`, field);
}

export interface ChatParams extends CommonParams {
  messages: ChatTurn[];
}

function messageText(content: unknown, i: number): string {
  if (typeof content === "string") return content;
  // The array form: only text parts can reach a text model.
  if (Array.isArray(content)) {
    return content
      .map((p: unknown, j) => {
        const part = p as { type?: unknown; text?: unknown };
        if (part?.type !== "text" || typeof part.text !== "string")
          throw badRequest(`messages[${i}].content[${j}] must be a text part; this server has text models only.`, "messages");
        return part.text;
      })
      .join("");
  }
  if (content === null || content === undefined) return "";
  throw badRequest(`messages[${i}].content must be a string or a list of text parts.`, "messages");
}

export function chatParams(raw: unknown): ChatParams {
  const b = asBody(raw);
  const msgs = b.messages;
  if (!Array.isArray(msgs) || msgs.length === 0) throw badRequest('"messages" must be a non-empty list of {role, content}.', "messages");
  const messages: ChatTurn[] = msgs.map((m: unknown, i) => {
    const role = (m as { role?: unknown })?.role;
    const mapped = role === "developer" ? "system" : role;
    if (mapped !== "system" && mapped !== "user" && mapped !== "assistant")
      throw badRequest(`messages[${i}].role must be "system", "developer", "user" or "assistant", not ${quoteValue(role)}.`, "messages");
    return { role: mapped, content: messageText((m as { content?: unknown }).content, i) };
  });
  const logprobs = b.logprobs;
  if (logprobs !== undefined && logprobs !== null && typeof logprobs !== "boolean") throw badRequest('"logprobs" must be true or false.', "logprobs");
  if (b.echo !== undefined && b.echo !== null)
    throw badRequest('"echo" applies to /v1/completions (legacy completions), not to chat; send the text as a completion prompt to score it.', "echo");
  const top = int(b, "top_logprobs", 0, 20);
  if (top !== undefined && logprobs !== true) throw badRequest('"top_logprobs" needs "logprobs": true.', "top_logprobs");
  return { ...commonParams(b, 512, logprobs === true ? (top ?? 0) : undefined), messages };
}
