/**
 * What Ollama says about one model, read once from POST /api/show and cached by the provider: where it runs
 * (a `remote_host` means Ollama proxies every request to another server, e.g. ollama.com for `*-cloud` models),
 * what it can do (`capabilities`: completion, insert, thinking, embedding, …), its prompt template, and its
 * context length (`model_info["<architecture>.context_length"]`). Field names from ollama/ollama api/types.go
 * (ShowResponse) and server/routes.go (ShowHandler).
 */

export interface OllamaModelFacts {
  /** Ollama's capability names; empty when this Ollama predates them (then Chorus guesses from the name). */
  capabilities: ReadonlySet<string>;
  /** The upstream server Ollama forwards this model's requests to; undefined for a model that runs here. */
  remoteHost?: string;
  template: string;
  /** The context length the model was trained for, if Ollama reports it. */
  contextLength?: number;
  family?: string;
  /** The Modelfile PARAMETER lines as Ollama prints them ("stop \"<|im_end|>\"\ntemperature 0.2"). */
  parameters: string;
  system: string;
}

/**
 * Ollama's own rule for a model that runs in its cloud (internal/modelref/modelref.go, parseSourceSuffix): the
 * tag is "cloud" ("gpt-oss:cloud") or ends in "-cloud" ("gpt-oss:120b-cloud", "qwen3-coder:480b-cloud").
 * Deciding by the name works before Ollama answers and for a model the user listed by hand.
 */
export function isOllamaCloudName(name: string): boolean {
  const colon = name.lastIndexOf(":");
  if (colon < 0) return false;
  const tag = name
    .slice(colon + 1)
    .trim()
    .toLowerCase();
  return tag === "cloud" || (!tag.includes("/") && tag.endsWith("-cloud"));
}

/** Read an /api/show reply; anything missing or of the wrong type is left out rather than guessed. */
export function factsFromShow(raw: unknown): OllamaModelFacts {
  const r = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const caps = Array.isArray(r.capabilities) ? r.capabilities.filter((c): c is string => typeof c === "string") : [];
  const info = (typeof r.model_info === "object" && r.model_info !== null ? r.model_info : {}) as Record<string, unknown>;
  const details = (typeof r.details === "object" && r.details !== null ? r.details : {}) as Record<string, unknown>;
  const arch = typeof info["general.architecture"] === "string" ? info["general.architecture"] : undefined;
  const ctx = arch !== undefined ? info[`${arch}.context_length`] : undefined;
  const text = (v: unknown): string => (typeof v === "string" ? v : "");
  return {
    capabilities: new Set(caps),
    remoteHost: text(r.remote_host) || undefined,
    template: text(r.template),
    contextLength: typeof ctx === "number" && ctx > 0 ? ctx : undefined,
    family: text(details.family) || arch,
    parameters: text(r.parameters),
    system: text(r.system),
  };
}

/** Whether Ollama runs this model elsewhere: by its name, or by what Ollama reported. */
export function runsRemotely(name: string, facts: OllamaModelFacts | undefined): boolean {
  return isOllamaCloudName(name) || facts?.remoteHost !== undefined;
}
