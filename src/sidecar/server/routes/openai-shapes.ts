// The exact JSON OpenAI returns for completions and chat completions, streamed and whole, so that stock clients
// (the npm `openai` package, Chorus's providers, editors) parse our replies without special cases.

import { randomBytes } from "node:crypto";
import { StringDecoder } from "node:string_decoder";
import type { AnyLogprobEntry } from "../../generation/generate";

export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(12).toString("hex")}`;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function usage(prompt: number, completion: number): Usage {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** Chat logprobs: {content: [{token, logprob, bytes, top_logprobs: [...]}], refusal: null}. */
export function chatLogprobs(entries: readonly AnyLogprobEntry[]) {
  return {
    content: entries.map((e) => ({
      token: e.token,
      logprob: e.logprob,
      bytes: e.bytes,
      top_logprobs: e.top.map((a) => ({ token: a.token, logprob: a.logprob, bytes: a.bytes })),
    })),
    refusal: null,
  };
}

/** Legacy completion logprobs: parallel lists, top_logprobs as {token: logprob} objects. */
export function completionLogprobs(entries: readonly AnyLogprobEntry[], startOffset: number) {
  // Offsets count the text's characters: a byte token that ends a character moves on by it, one that starts
  // one waits for the rest (the decoder holds partial characters back).
  const text_offset: number[] = [];
  const text = new StringDecoder("utf8");
  let at = startOffset;
  for (const e of entries) {
    text_offset.push(at);
    at += text.write(Buffer.from(e.bytes)).length;
  }
  return {
    tokens: entries.map((e) => e.token),
    token_logprobs: entries.map((e) => e.logprob),
    // An echoed prompt's first token has no distribution: null, as its logprob is.
    top_logprobs: entries.map((e) => (e.logprob === null ? null : Object.fromEntries(e.top.map((a) => [a.token, a.logprob])))),
    text_offset,
  };
}
