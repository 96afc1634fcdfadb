/**
 * Reading the OpenAI wire format into Chorus deltas: streamed chat.completion.chunk and text_completion chunks,
 * both logprob shapes (chat's `logprobs.content[]` and the legacy completions `tokens/token_logprobs/top_logprobs`),
 * and the usage chunk that `stream_options.include_usage` adds. A stream that ends without a finish_reason was
 * cut short (the SDK ends such a stream quietly), so it is reported as an error, not as a short reply.
 */

import { ProviderError } from "./errors";
import type { Delta, TokenLogprob, Usage } from "./types";

type Bad = (what: string) => ProviderError;

interface ChunkLike {
  choices?: unknown;
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown; completion_tokens_details?: { reasoning_tokens?: unknown } | null } | null;
}

interface ChoiceLike {
  delta?: { content?: unknown } | null;
  text?: unknown;
  finish_reason?: unknown;
  logprobs?: unknown;
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

/** chat.completion.chunk logprobs: {content: [{token, logprob, bytes, top_logprobs: [{token, logprob}]}]}. */
export function chatLogprobs(raw: unknown): TokenLogprob[] | undefined {
  const content = (raw as { content?: unknown } | null | undefined)?.content;
  if (!Array.isArray(content) || content.length === 0) return undefined;
  const out: TokenLogprob[] = [];
  for (const e of content as { token?: unknown; logprob?: unknown; top_logprobs?: unknown }[]) {
    if (typeof e?.token !== "string" || typeof e.logprob !== "number") continue;
    const t: TokenLogprob = { token: e.token, logprob: e.logprob };
    if (Array.isArray(e.top_logprobs) && e.top_logprobs.length > 0)
      t.top = (e.top_logprobs as { token?: unknown; logprob?: unknown }[])
        .filter((x) => typeof x?.token === "string" && typeof x.logprob === "number")
        .map((x) => ({ token: x.token as string, logprob: x.logprob as number }));
    out.push(t);
  }
  return out;
}

/** Legacy completions logprobs: parallel arrays, alternatives as {token: logprob} maps. */
export function completionLogprobs(raw: unknown): TokenLogprob[] | undefined {
  const r = raw as { tokens?: unknown; token_logprobs?: unknown; top_logprobs?: unknown } | null | undefined;
  if (!r || !Array.isArray(r.tokens) || !Array.isArray(r.token_logprobs) || r.tokens.length === 0) return undefined;
  const tops = Array.isArray(r.top_logprobs) ? (r.top_logprobs as unknown[]) : [];
  return (r.tokens as unknown[]).map((tok, i): TokenLogprob => {
    const t: TokenLogprob = { token: String(tok), logprob: num((r.token_logprobs as unknown[])[i]) };
    const alt = tops[i];
    if (alt && typeof alt === "object")
      t.top = Object.entries(alt as Record<string, unknown>)
        .filter(([, lp]) => typeof lp === "number")
        .map(([token, lp]) => ({ token, logprob: lp as number }))
        .sort((a, b) => b.logprob - a.logprob);
    return t;
  });
}

/** The errors a stream can end in, built by the provider that knows the endpoint and model. */
export interface StreamErrors {
  bad: Bad;
  /** The stream ended without a finish_reason. */
  cut: () => ProviderError;
  /** The output limit ran out before any answer text: the error to end in, or undefined to end quietly (not a reasoning model). */
  noAnswer: (usage: Usage | undefined) => ProviderError | undefined;
}

function usageOf(u: NonNullable<ChunkLike["usage"]>): Usage {
  const usage: Usage = { inputTokens: num(u.prompt_tokens), outputTokens: num(u.completion_tokens) };
  const reasoning = num(u.completion_tokens_details?.reasoning_tokens);
  if (reasoning > 0) usage.reasoningTokens = reasoning;
  return usage;
}

/** Map a streamed chat or completions reply to deltas. */
export async function* openAIDeltas(stream: AsyncIterable<unknown>, shape: "chat" | "completion", errors: StreamErrors): AsyncGenerator<Delta> {
  const bad = errors.bad;
  let finished = false;
  let finish: string | undefined;
  let anyText = false;
  let usage: Usage | undefined;
  for await (const raw of stream) {
    if (typeof raw !== "object" || raw === null || !Array.isArray((raw as ChunkLike).choices)) throw bad("a streamed chunk has no `choices` list");
    const chunk = raw as ChunkLike;
    const choice = (chunk.choices as ChoiceLike[])[0];
    const d: Delta = { text: "" };
    if (choice) {
      const text = shape === "chat" ? choice.delta?.content : choice.text;
      if (text !== undefined && text !== null) {
        if (typeof text !== "string") throw bad("a streamed chunk's text is not a string");
        d.text = text;
        if (text !== "") anyText = true;
      }
      const lp = shape === "chat" ? chatLogprobs(choice.logprobs) : completionLogprobs(choice.logprobs);
      if (lp) d.logprobs = lp;
      if (typeof choice.finish_reason === "string") {
        d.finishReason = choice.finish_reason;
        finish = choice.finish_reason;
        finished = true;
      }
    }
    if (chunk.usage) d.usage = usage = usageOf(chunk.usage);
    if (d.text !== "" || d.logprobs || d.usage || d.finishReason) yield d;
  }
  if (!finished) throw errors.cut();
  // A reasoning model whose limit ran out while it was still thinking sends finish_reason "length", empty content and
  // usage with reasoning_tokens equal to completion_tokens (o4-mini: community.openai.com/t/1359002); that is no answer.
  const noAnswer = finish === "length" && !anyText ? errors.noAnswer(usage) : undefined;
  if (noAnswer) throw noAnswer;
}
