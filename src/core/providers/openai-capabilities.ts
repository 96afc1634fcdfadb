/**
 * What an OpenAI-compatible endpoint can be assumed to do per model, since the API itself does not say: OpenAI's
 * chat models have no /v1/completions (so no FIM), its reasoning models refuse logprobs, and only its embedding
 * models embed; self-hosted servers (vLLM, LM Studio, llama.cpp) do FIM through a template when the model family
 * is known. Users override any of it per model (OpenAIProviderOptions.capabilities).
 */

import { fimTemplateByFamily, fimTemplateFor } from "./fim-templates";
import { hostFamily, hostOf } from "./openai-hosts";
import { isReasoningModelName } from "./openai-params";
import type { Capabilities } from "./types";

/** "auto": `suffix` where the endpoint is known to honour it, else a template; "suffix"/"template" force one. */
export type FimMode = "auto" | "suffix" | "template";

// Endpoints known to implement /v1/completions `suffix`. Elsewhere a server may silently ignore it, which gives a
// plain continuation that ignores the code after the cursor, so a known template is the safer default there.
const SUFFIX_HOSTS = new Set(["api.openai.com", "api.deepseek.com"]);

/** Whether "auto" FIM should try the native `suffix` parameter first. */
export function prefersNativeSuffix(kind: "openai" | "sidecar", endpoint: string): boolean {
  return kind === "sidecar" || SUFFIX_HOSTS.has(hostOf(endpoint));
}

export function defaultCapabilities(kind: "openai" | "sidecar", endpoint: string, model: string, fim: FimMode, fimFamily?: string): Capabilities {
  const host = hostOf(endpoint);
  const family = hostFamily(endpoint);
  // Azure OpenAI serves OpenAI's models under deployment names, with the same capabilities.
  if (family === "openai" || family === "azure")
    return { fim: /instruct|davinci|babbage/i.test(model), logprobs: !isReasoningModelName(model), embeddings: /embedding/i.test(model) };
  if (host === "openrouter.ai") return { fim: false, logprobs: true, embeddings: /embed/i.test(model) };
  // deepseek-chat does FIM (on the /beta base URL) and logprobs; the reasoner does neither.
  if (family === "deepseek") return { fim: !/reasoner/i.test(model), logprobs: !/reasoner/i.test(model), embeddings: false };
  // Gemini's OpenAI layer has chat and embeddings but no /completions; logprobs are learned from its refusals.
  if (host === "generativelanguage.googleapis.com") return { fim: false, logprobs: true, embeddings: /embedding/i.test(model) };
  const template = fimFamily ? fimTemplateByFamily(fimFamily) : fimTemplateFor(model);
  return { fim: kind === "sidecar" || fim === "suffix" || template !== undefined, logprobs: true, embeddings: true };
}
