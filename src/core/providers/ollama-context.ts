/**
 * Sizing Ollama's context window to the prompt. Ollama cuts a prompt longer than num_ctx − 1 tokens to its first
 * num_keep tokens plus the tail, without an error (llm/llama_server.go, "truncating input prompt"), and its
 * default num_ctx is 2048 (4096 since 2025, more with a large GPU: server/routes.go "vram-based default
 * context"). So a review prompt would lose its instructions silently. Chorus counts before sending: it asks for a
 * window that holds the prompt and the answer, within what the model was trained for (/api/show's
 * context_length), and refuses a prompt that cannot fit as "context_too_long" — the error callers already
 * answer by shortening (the review's callFitting).
 */
import { ProviderError } from "./errors";

/** BPE vocabularies average 3.5–4 characters per token on code and English; counting 3 errs towards a larger window. */
const CHARS_PER_TOKEN = 3;
/** Every Ollama since its first release gives at least this much without being asked. */
const SMALLEST_DEFAULT_CTX = 2048;
/** Room for the answer when the request sets no max tokens. */
const DEFAULT_ANSWER_TOKENS = 1024;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/**
 * The num_ctx to send, or undefined to leave Ollama's default. `floor` is the largest num_ctx already sent for
 * this model: never asking for less keeps Ollama from reloading the model back and forth between sizes.
 */
export function numCtxFor(
  model: string,
  promptTokens: number,
  maxTokens: number | undefined,
  contextLength: number | undefined,
  floor = 0,
): number | undefined {
  if (contextLength !== undefined && promptTokens >= contextLength)
    throw new ProviderError(
      "context_too_long",
      `The prompt (about ${promptTokens} tokens) is too long for ${model}, whose context holds ${contextLength} tokens — Chorus did not send it, because Ollama would cut it silently. Shorten the input or choose a model with a larger context.`,
      { model },
    );
  const need = promptTokens + (maxTokens ?? DEFAULT_ANSWER_TOKENS);
  if (need <= SMALLEST_DEFAULT_CTX && floor === 0) return undefined;
  let size = Math.max(floor, SMALLEST_DEFAULT_CTX * 2);
  while (size < need) size *= 2;
  return contextLength !== undefined ? Math.min(size, contextLength) : size;
}
