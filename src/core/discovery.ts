// With nothing configured, Chorus still works if Ollama runs: its pulled models become local models.
// Shared by the extension and the CLI so both offer the same defaults.
import type { ModelConfig } from "./config";

/** Names that look like code models get the "code" tag; embedding models are kept out of chat/completion picks. */
function tagsFor(name: string): string[] {
  const tags = ["local"];
  if (/embed|nomic|bge|e5-|minilm/i.test(name)) tags.push("embedding");
  else if (/coder|code|starcoder|deepseek|codestral|qwen2\.5-coder/i.test(name)) tags.push("code", "fast");
  return tags;
}

/**
 * Ask Ollama's /api/tags for its models. Returns [] when Ollama is not running (that is not an error here:
 * the caller then tells the user how to configure a model).
 */
export async function discoverOllamaModels(ollamaUrl: string, opts: { fetch?: typeof fetch; timeoutMs?: number } = {}): Promise<ModelConfig[]> {
  const f = opts.fetch ?? fetch;
  try {
    const res = await f(new URL("/api/tags", ollamaUrl), { signal: AbortSignal.timeout(opts.timeoutMs ?? 1500) });
    if (!res.ok) return [];
    const body = (await res.json()) as { models?: { name?: unknown; model?: unknown }[] };
    const names = (body.models ?? []).map((m) => (typeof m.name === "string" ? m.name : typeof m.model === "string" ? m.model : "")).filter(Boolean);
    return names.map((name) => ({ id: `ollama:${name}`, provider: "ollama", endpoint: ollamaUrl, model: name, priceIn: 0, priceOut: 0, tags: tagsFor(name) }));
  } catch {
    return [];
  }
}
