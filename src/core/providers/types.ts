// The one interface every model backend implements (Ollama, OpenAI-compatible, the Chorus sidecar).
// Collaboration strategies only ever talk to this interface, so they work with any backend.

export type Role = "system" | "user" | "assistant";

export interface ChatMessage {
  role: Role;
  content: string;
}

/** One generated token with its log-probability and, when asked for, the runners-up. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  top?: { token: string; logprob: number }[];
}

export interface Usage {
  inputTokens: number;
  /** Everything the model generated and is billed for, hidden reasoning included. */
  outputTokens: number;
  /** Of outputTokens, how many a reasoning model spent thinking (OpenAI's completion_tokens_details.reasoning_tokens). */
  reasoningTokens?: number;
}

/** A piece of a streamed reply. `text` may be empty on the final delta that only carries usage. */
export interface Delta {
  text: string;
  logprobs?: TokenLogprob[];
  usage?: Usage;
  finishReason?: "stop" | "length" | "cancelled" | string;
  /** Something the user should know about how this reply was made (e.g. "completed from the prefix only"). */
  note?: string;
}

export interface GenerationOptions {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  seed?: number;
  stop?: string[];
  /** Ask for log-probabilities with this many alternatives per token (0 = chosen token only). */
  topLogprobs?: number;
  /** Per-request timeout in ms; the provider default applies when absent. */
  timeoutMs?: number;
  /** Ollama only: how long the model stays loaded after this request ("10m", seconds, -1 = until Ollama stops).
   *  Ollama unloads an idle model after 5 minutes, which makes the next completion wait for a reload. */
  keepAlive?: string | number;
}

export interface ChatRequest extends GenerationOptions {
  model: string;
  messages: ChatMessage[];
}

/** Fill-in-the-middle: complete between `prefix` and `suffix`. */
export interface FimRequest extends GenerationOptions {
  model: string;
  prefix: string;
  suffix: string;
  /**
   * Text read before the prompt that context-contrastive decoding contrasts the prompt against (the rest of the
   * file). The OpenAI wire format has no field for it: only the Chorus sidecar takes it (as `chorus.context`);
   * other providers ignore it.
   */
  context?: string;
}

export interface EmbedRequest {
  model: string;
  input: string[];
  timeoutMs?: number;
}

export interface ModelInfo {
  /** The provider's own name for the model (e.g. "qwen2.5-coder:1.5b", "gpt-4o-mini"). */
  name: string;
  sizeBytes?: number;
  family?: string;
  /** Where the server forwards this model's requests, if it does not run it itself (Ollama's `*-cloud` models). */
  remoteHost?: string;
}

export interface Capabilities {
  fim: boolean;
  logprobs: boolean;
  embeddings: boolean;
}

export type ProviderKind = "ollama" | "openai" | "sidecar";

export interface Provider {
  readonly kind: ProviderKind;
  /** Where it talks to, for messages ("http://127.0.0.1:11434"). */
  readonly endpoint: string;
  capabilities(model: string): Capabilities;
  listModels(signal?: AbortSignal): Promise<ModelInfo[]>;
  chat(req: ChatRequest, signal?: AbortSignal): AsyncIterable<Delta>;
  complete(req: FimRequest, signal?: AbortSignal): AsyncIterable<Delta>;
  embed(req: EmbedRequest, signal?: AbortSignal): Promise<number[][]>;
  /** For a server that may forward a model elsewhere (Ollama): true when it does, false when it runs it itself,
   *  undefined when the server could not be asked. Providers without this never forward. */
  runsRemotely?(model: string): Promise<boolean | undefined>;
}

/** A whole reply gathered from a stream. */
export interface Completion {
  text: string;
  logprobs: TokenLogprob[];
  usage: Usage;
  finishReason?: string;
  note?: string;
}

/** Drain a stream into one Completion, calling `onDelta` as pieces arrive. */
export async function collect(stream: AsyncIterable<Delta>, onDelta?: (d: Delta) => void): Promise<Completion> {
  let text = "";
  const logprobs: TokenLogprob[] = [];
  let usage: Usage = { inputTokens: 0, outputTokens: 0 };
  let finishReason: string | undefined;
  let note: string | undefined;
  for await (const d of stream) {
    if (d.note) note = d.note;
    onDelta?.(d);
    text += d.text;
    if (d.logprobs) logprobs.push(...d.logprobs);
    if (d.usage) usage = d.usage;
    if (d.finishReason) finishReason = d.finishReason;
  }
  return { text, logprobs, usage, finishReason, ...(note !== undefined ? { note } : {}) };
}
