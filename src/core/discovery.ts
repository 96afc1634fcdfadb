// With nothing configured, Chorus still works if Ollama runs: its pulled models become models Chorus can use.
// Shared by the extension and the CLI so both offer the same defaults. Ollama also lists models it does not run
// itself (since 0.12, `*-cloud` models with a `remote_host`): those are cloud models, for privacy and the budget.
import { asCloud, type ModelConfig } from "./config";
import { OllamaProvider } from "./providers/ollama";
import { runsRemotely } from "./providers/ollama-facts";
import { DEFAULT_RETRY } from "./providers/retry";
import type { ModelInfo } from "./providers/types";

/** Names that look like code models get the "code" tag; embedding models are kept out of chat/completion picks. */
function tagsFor(info: ModelInfo): string[] {
  const tags = [forwarded(info) ? "cloud" : "local"];
  if (/embed|nomic|bge|e5-|minilm/i.test(info.name)) tags.push("embedding");
  else if (/coder|code|starcoder|deepseek|codestral|qwen2\.5-coder/i.test(info.name)) tags.push("code", ...(forwarded(info) ? [] : ["fast"]));
  return tags;
}

const forwarded = (info: ModelInfo): boolean => info.remoteHost !== undefined || runsRemotely(info.name, undefined);

/** One quick try, no retries: a missing Ollama must not hold up activation. */
function quickOllama(ollamaUrl: string, opts: { fetch?: typeof fetch; timeoutMs?: number }): OllamaProvider {
  return new OllamaProvider({ url: ollamaUrl, fetch: opts.fetch, policy: { timeoutMs: opts.timeoutMs ?? 1500, retry: { ...DEFAULT_RETRY, retries: 0 } } });
}

/**
 * Ask Ollama (through the same provider every Ollama call uses) for its models. Returns [] when Ollama is not
 * running — not an error here: the caller then tells the user how to configure a model.
 */
export async function discoverOllamaModels(ollamaUrl: string, opts: { fetch?: typeof fetch; timeoutMs?: number } = {}): Promise<ModelConfig[]> {
  try {
    const found = await quickOllama(ollamaUrl, opts).listModels();
    return found.map((info) => ({ id: `ollama:${info.name}`, provider: "ollama", endpoint: ollamaUrl, model: info.name, priceIn: 0, priceOut: 0, tags: tagsFor(info) }));
  } catch {
    return [];
  }
}

/**
 * Configured Ollama models that Ollama says it forwards elsewhere (a `remote_host` in /api/tags, whatever the name)
 * come back marked as cloud, so routing, the model picker and the budget see them as cloud from the start. One
 * /api/tags per Ollama endpoint; an endpoint that does not answer leaves its models as they are (Models still asks
 * before each request that privacy rules cover).
 */
export async function markOllamaCloudModels(models: ModelConfig[], ollamaUrl: string, opts: { fetch?: typeof fetch; timeoutMs?: number } = {}): Promise<ModelConfig[]> {
  const endpoints = [...new Set(models.filter((m) => m.provider === "ollama").map((m) => m.endpoint ?? ollamaUrl))];
  const remote = new Set<string>();
  await Promise.all(
    endpoints.map(async (url) => {
      const listed = await quickOllama(url, opts).listModels().catch(() => []);
      for (const info of listed) if (info.remoteHost !== undefined) remote.add(`${url}\u0000${info.name}`);
    }),
  );
  const isRemote = (m: ModelConfig): boolean => remote.has(`${m.endpoint ?? ollamaUrl}\u0000${m.model}`) || remote.has(`${m.endpoint ?? ollamaUrl}\u0000${m.model}:latest`);
  return models.map((m) => (m.provider === "ollama" && !m.tags?.includes("cloud") && isRemote(m) ? asCloud(m) : m));
}
