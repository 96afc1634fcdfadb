// With nothing configured, Chorus still works if Ollama runs: its pulled models become local models.
// Shared by the extension and the CLI so both offer the same defaults.
import type { ModelConfig } from "./config";
import { OllamaProvider } from "./providers/ollama";
import { DEFAULT_RETRY } from "./providers/retry";

/** Names that look like code models get the "code" tag; embedding models are kept out of chat/completion picks. */
function tagsFor(name: string): string[] {
  const tags = ["local"];
  if (/embed|nomic|bge|e5-|minilm/i.test(name)) tags.push("embedding");
  else if (/coder|code|starcoder|deepseek|codestral|qwen2\.5-coder/i.test(name)) tags.push("code", "fast");
  return tags;
}

/**
 * Ask Ollama (through the same provider every Ollama call uses) for its models. Returns [] when Ollama is not
 * running — not an error here: the caller then tells the user how to configure a model. One quick try, no
 * retries: a missing Ollama must not hold up activation.
 */
export async function discoverOllamaModels(ollamaUrl: string, opts: { fetch?: typeof fetch; timeoutMs?: number } = {}): Promise<ModelConfig[]> {
  const ollama = new OllamaProvider({ url: ollamaUrl, fetch: opts.fetch, policy: { timeoutMs: opts.timeoutMs ?? 1500, retry: { ...DEFAULT_RETRY, retries: 0 } } });
  try {
    const found = await ollama.listModels();
    return found.map(({ name }) => ({ id: `ollama:${name}`, provider: "ollama", endpoint: ollamaUrl, model: name, priceIn: 0, priceOut: 0, tags: tagsFor(name) }));
  } catch {
    return [];
  }
}
