// The messages between the sidecar (or the merge) and its disposable helper process (isolate/child.ts): one JSON
// line per request on the child's stdin, one per answer on its stdout. The helper does what could end or freeze
// the process that does it — llama.cpp's asserts on a model file, a chat template that loops or allocates without
// bound — so that only the helper dies.

export interface ProbeRequest {
  kind: "probe";
  path: string;
  gpu: "auto" | false;
  threads: number;
}

export interface ChatRenderRequest {
  kind: "chat";
  /** The model file: the helper reads its metadata (chat template, names) itself. */
  path: string;
  bosString: string | null;
  messages: { role: "system" | "user" | "assistant"; content: string }[];
  /** Longest rendered prompt, in characters, the helper returns. */
  maxChars: number;
}

export type IsolateRequest = ProbeRequest | ChatRenderRequest;

export interface ProbeResult {
  /** The token the model chose after its first one: it decoded. */
  next: number | null;
}

export interface ChatRenderResult {
  /** node-llama-cpp's LlamaText JSON of the prompt, and of each stop trigger. */
  text: unknown;
  stops: unknown[];
}

export type IsolateAnswer = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** Exit code of a helper that could not start llama.cpp at all: no model is at fault. */
export const RUNTIME_UNAVAILABLE_EXIT = 4;
