// Where next-token distributions come from: one loaded model, or several models mixed token by token (a virtual
// model). The decode loop in generate.ts only sees this interface, so a preset decodes exactly like a model.

import type { NextTokenDist, TokenId } from "../mixing/distribution";

export interface TokenSource {
  /** Shown in /v1/models and in the response's `model` field. */
  readonly id: string;
  /** Start a fresh reply after `prompt`; returns the distribution of the first generated token. */
  start(prompt: readonly TokenId[], signal: AbortSignal): Promise<NextTokenDist>;
  /** Feed the chosen token; returns the distribution of the one after it. */
  accept(token: TokenId, signal: AbortSignal): Promise<NextTokenDist>;
  /** End-of-generation tokens (EOS, EOT, …) finish the reply with "stop". */
  isEndToken(token: TokenId): boolean;
  /** Text of these tokens; `before` gives the detokenizer the preceding tokens (for leading-space rules). */
  detokenize(tokens: readonly TokenId[], before?: readonly TokenId[]): string;
  /** How many tokens prompt + reply may take in all. */
  readonly contextSize: number;
  /** Extra facts for the response (for a mix: which model wrote how many tokens). */
  report?(): Record<string, unknown>;
}
