/**
 * What an OpenAI-compatible endpoint can be assumed to do per model, since the API itself does not say: OpenAI's
 * chat models have no /v1/completions (so no FIM), its reasoning models refuse logprobs, and only its embedding
 * models embed; self-hosted servers (vLLM, LM Studio, llama.cpp) do FIM through a template when the model family
 * is known. Users override any of it per model (OpenAIProviderOptions.capabilities).
 */

import { fimTemplateByFamily, fimTemplateFor } from "./fim-templates";
import type { Capabilities } from "./types";

/** "auto": `suffix` where the endpoint is known to honour it, else a template; "suffix"/"template" force one. */
export type FimMode = "auto" | "suffix" | "template";

// Endpoints known to implement /v1/completions `suffix`. Elsewhere a server may silently ignore it, which gives a
// plain continuation that ignores the code after the cursor, so a known template is the safer default there.
const SUFFIX_HOSTS = new Set(["api.openai.com", "api.deepseek.com"]);

function hostOf(endpoint: string): string {
  try {
    return new URL(endpoint).hostname;
  } catch {
    return "";
  }
}

/** Whether "auto" FIM should try the native `suffix` parameter first. */
export function prefersNativeSuffix(kind: "openai" | "sidecar", endpoint: string): boolean {
  return kind === "sidecar" || SUFFIX_HOSTS.has(hostOf(endpoint));
}

export function defaultCapabilities(kind: "openai" | "sidecar", endpoint: string, model: string, fim: FimMode, fimFamily?: string): Capabilities {
  const host = hostOf(endpoint);
  if (host === "api.openai.com")
    return { fim: /instruct|davinci|babbage/i.test(model), logprobs: !/^(o\d|gpt-5)/i.test(model), embeddings: /embedding/i.test(model) };
  if (host === "openrouter.ai") return { fim: false, logprobs: true, embeddings: /embed/i.test(model) };
  if (host === "api.deepseek.com") return { fim: true, logprobs: true, embeddings: false };
  const template = fimFamily ? fimTemplateByFamily(fimFamily) : fimTemplateFor(model);
  return { fim: kind === "sidecar" || fim === "suffix" || template !== undefined, logprobs: true, embeddings: true };
}
