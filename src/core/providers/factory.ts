/**
 * Builds the provider for a configured model: the one place that maps ModelConfig.provider to a class, so
 * src/core/models.ts (through its ProviderFactory), the VS Code host and the CLI all construct providers alike.
 */

import { DEFAULT_OPENAI_URL, type ModelConfig } from "../config";
import type { ProviderFactory } from "../models";
import type { CallPolicy } from "./guarded";
import { OllamaProvider } from "./ollama";
import { OpenAIProvider } from "./openai";
import { createSidecarProvider, sidecarBaseUrl, type SidecarConnection } from "./sidecar";
import type { Provider } from "./types";

export interface CreateProviderOptions {
  /** Injected where a test needs it; global fetch otherwise. */
  fetch?: typeof fetch;
  /** The running sidecar's address and token, asked on every request. */
  sidecar?: SidecarConnection;
  /** chorus.ollamaUrl, used by Ollama models that name no endpoint of their own. */
  ollamaUrl?: string;
  policy?: Partial<CallPolicy>;
}

export function createProvider(model: ModelConfig, apiKey: string | undefined, opts: CreateProviderOptions = {}): Provider {
  const common = { fetch: opts.fetch, policy: opts.policy };
  switch (model.provider) {
    case "ollama":
      return new OllamaProvider({ url: model.endpoint ?? opts.ollamaUrl, ...common });
    case "openai":
      return new OpenAIProvider({ target: { baseURL: model.endpoint ?? DEFAULT_OPENAI_URL, apiKey }, ...common });
    case "sidecar":
      // A model with its own endpoint points at a sidecar someone started by hand (`chorus serve`), key and all.
      if (model.endpoint)
        return new OpenAIProvider({ kind: "sidecar", target: { baseURL: sidecarBaseUrl(model.endpoint), apiKey }, fim: "suffix", ...common });
      return createSidecarProvider(opts.sidecar ?? (() => undefined), common);
    default:
      throw new Error(`Model "${model.id}": unknown provider "${String(model.provider)}" — use ollama, openai or sidecar.`);
  }
}

/** The ProviderFactory that Models expects, with the host's options bound. */
export function providerFactory(opts: CreateProviderOptions = {}): ProviderFactory {
  return (model, apiKey) => createProvider(model, apiKey, opts);
}
