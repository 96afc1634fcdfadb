// With nothing configured, Chorus still works if Ollama runs: its pulled models become models Chorus can use.
// Shared by the extension and the CLI so both offer the same defaults. Ollama also lists models it does not run
// itself (since 0.12, `*-cloud` models with a `remote_host`): those are cloud models, for privacy and the budget.
import { asCloud, type ModelConfig } from "./config";
import { OllamaProvider } from "./providers/ollama";
import { runsRemotely, type OllamaModelFacts } from "./providers/ollama-facts";
import { DEFAULT_RETRY } from "./providers/retry";
import type { ModelInfo } from "./providers/types";

const forwarded = (info: ModelInfo): boolean => info.remoteHost !== undefined || runsRemotely(info.name, undefined);

/**
 * Tags from the name and, where Ollama answered /api/show, its capabilities: a model Ollama forwards is "cloud";
 * one that cannot write text is "embedding"; a thinking model (qwen3, deepseek-r1, gpt-oss: they think by default
 * since Ollama 0.12.4) is "thinking" and never "fast", so it is not picked for ghost text by default.
 */
function tagsFor(info: ModelInfo, facts: OllamaModelFacts | undefined): string[] {
  const caps = facts?.capabilities.size ? facts.capabilities : undefined;
  const cloud = forwarded(info) || facts?.remoteHost !== undefined;
  const tags = [cloud ? "cloud" : "local"];
  if (caps ? !caps.has("completion") : /embed|nomic|bge|e5-|minilm/i.test(info.name)) return [...tags, "embedding"];
  const thinking = caps?.has("thinking") ?? false;
  if (thinking) tags.push("thinking");
  if (/coder|code|starcoder|deepseek|codestral|qwen2\.5-coder/i.test(info.name)) tags.push("code", ...(cloud || thinking ? [] : ["fast"]));
  return tags;
}

interface QuickOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** One quick try, no retries: a missing Ollama must not hold up activation (or an offer to use it). */
function quickOllama(ollamaUrl: string, opts: QuickOptions): OllamaProvider {
  return new OllamaProvider({ url: ollamaUrl, fetch: opts.fetch, policy: { timeoutMs: opts.timeoutMs ?? 1500, retry: { ...DEFAULT_RETRY, retries: 0 } } });
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
 * running — not an error here: the caller then tells the user how to configure a model.
 */
export async function discoverOllamaModels(ollamaUrl: string, opts: QuickOptions = {}): Promise<ModelConfig[]> {
  try {
    const ollama = quickOllama(ollamaUrl, opts);
    const found = await ollama.listModels();
    // One /api/show per local model, all at once (a cloud model's would be forwarded to its host); a model Ollama
    // does not describe keeps the tags its name gives.
    const facts = await Promise.all(found.map((info) => (forwarded(info) ? undefined : ollama.facts(info.name))));
    return found.map((info, i) => ({
      id: `ollama:${info.name}`,
      provider: "ollama",
      endpoint: ollamaUrl,
      model: info.name,
      priceIn: 0,
      priceOut: 0,
      tags: tagsFor(info, facts[i]),
    }));
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
export async function markOllamaCloudModels(
  models: ModelConfig[],
  ollamaUrl: string,
  opts: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<ModelConfig[]> {
  const endpoints = [...new Set(models.filter((m) => m.provider === "ollama").map((m) => m.endpoint ?? ollamaUrl))];
  const remote = new Set<string>();
  await Promise.all(
    endpoints.map(async (url) => {
      const listed = await quickOllama(url, opts)
        .listModels()
        .catch(() => []);
      for (const info of listed) if (info.remoteHost !== undefined) remote.add(`${url}\u0000${info.name}`);
    }),
  );
  const isRemote = (m: ModelConfig): boolean =>
    remote.has(`${m.endpoint ?? ollamaUrl}\u0000${m.model}`) || remote.has(`${m.endpoint ?? ollamaUrl}\u0000${m.model}:latest`);
  return models.map((m) => (m.provider === "ollama" && !m.tags?.includes("cloud") && isRemote(m) ? asCloud(m) : m));
}
