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

interface QuickOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** One quick try, no retries: a missing Ollama must not hold anything up. */
function quickOllama(url: string, opts: QuickOptions): OllamaProvider {
  return new OllamaProvider({ url, fetch: opts.fetch, policy: { timeoutMs: opts.timeoutMs ?? 1500, retry: { ...DEFAULT_RETRY, retries: 0 } } });
}

/** Whether an Ollama server answers at `ollamaUrl` (its model list, /api/tags), before offering to use it. */
export async function ollamaAnswers(ollamaUrl: string, opts: QuickOptions = {}): Promise<boolean> {
  try {
    await quickOllama(ollamaUrl, opts).listModels();
    return true;
  } catch {
    return false;
  }
}

/**
 * Ask Ollama (through the same provider every Ollama call uses) for its models. Returns [] when Ollama is not
 * running — not an error here: the caller then tells the user how to configure a model. One quick try, no
 * retries: a missing Ollama must not hold up activation.
 */
export async function discoverOllamaModels(ollamaUrl: string, opts: QuickOptions = {}): Promise<ModelConfig[]> {
  try {
    const found = await quickOllama(ollamaUrl, opts).listModels();
    return found.map(({ name }) => ({ id: `ollama:${name}`, provider: "ollama", endpoint: ollamaUrl, model: name, priceIn: 0, priceOut: 0, tags: tagsFor(name) }));
  } catch {
    return [];
  }
}
