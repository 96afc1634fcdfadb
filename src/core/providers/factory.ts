/**
 * Builds the provider for a configured model: the one place that maps ModelConfig.provider to a class, so
 * src/core/models.ts (through its ProviderFactory), the VS Code host and the CLI all construct providers alike.
 */

import { DEFAULT_OPENAI_URL, type ModelConfig } from "../config";
import type { ProviderFactory } from "../models";
import type { CallPolicy } from "./guarded";
import type { FimMode } from "./openai-capabilities";
import { OllamaProvider } from "./ollama";
import { OpenAIProvider } from "./openai";
import { createSidecarProvider, sidecarBaseUrl, type SidecarConnection } from "./sidecar";
import type { Capabilities, Provider } from "./types";

/**
 * Optional per-model provider settings. ModelConfig does not declare them yet; when the configuration grows
 * these fields (same names), createProvider already honours them.
 */
export interface ProviderTuning {
  /** Override what Chorus assumes the model can do. */
  capabilities?: Partial<Capabilities>;
  /** OpenAI-compatible FIM: "auto" (default), "suffix" or "template". */
  fim?: FimMode;
  /** FIM template family when the model name does not tell ("qwen-coder", "starcoder", "codellama", …). */
  fimFamily?: string;
  /** Ollama keep_alive for this model ("30m", seconds, -1). */
  keepAlive?: string | number;
}

export interface CreateProviderOptions {
  /** Injected where a test needs it; global fetch otherwise. */
  fetch?: typeof fetch;
  /** The running sidecar's address and token, asked on every request. */
  sidecar?: SidecarConnection;
  /** chorus.ollamaUrl, used by Ollama models that name no endpoint of their own. */
  ollamaUrl?: string;
  /** keep_alive for Ollama models that set none themselves. */
  ollamaKeepAlive?: string | number;
  policy?: Partial<CallPolicy>;
}

export function createProvider(model: ModelConfig & ProviderTuning, apiKey: string | undefined, opts: CreateProviderOptions = {}): Provider {
  const common = { fetch: opts.fetch, policy: opts.policy, capabilities: model.capabilities ? () => model.capabilities! : undefined };
  switch (model.provider) {
    case "ollama":
      return new OllamaProvider({
        url: model.endpoint ?? opts.ollamaUrl,
        keepAlive: model.keepAlive ?? opts.ollamaKeepAlive,
        fimFamily: model.fimFamily,
        ...common,
      });
    case "openai":
      return new OpenAIProvider({
        target: { baseURL: model.endpoint ?? DEFAULT_OPENAI_URL, apiKey },
        fim: model.fim,
        fimFamily: model.fimFamily,
        maxOutputTokens: model.maxOutputTokens,
        reasoningEffort: model.reasoningEffort,
        ...common,
      });
    case "sidecar":
      // A model with its own endpoint points at a sidecar someone started by hand (`chorus serve`), key and all.
      if (model.endpoint) return new OpenAIProvider({ kind: "sidecar", target: { baseURL: sidecarBaseUrl(model.endpoint), apiKey }, fim: "suffix", ...common });
      return createSidecarProvider(opts.sidecar ?? (() => undefined), common);
    default:
      throw new Error(`Model "${model.id}": unknown provider "${String(model.provider)}" — use ollama, openai or sidecar.`);
  }
}

/** The ProviderFactory that Models expects, with the host's options bound. */
export function providerFactory(opts: CreateProviderOptions = {}): ProviderFactory {
  return (model, apiKey) => createProvider(model, apiKey, opts);
}
