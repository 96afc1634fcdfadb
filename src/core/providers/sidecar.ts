/**
 * The Chorus sidecar (src/sidecar) serves an OpenAI-compatible API guarded by a bearer token made fresh at every
 * launch, and may come back on another port after a restart. So this is openai.ts with a target looked up on
 * every request from a callback the host supplies, and a clear error when no sidecar is running.
 */

import { ProviderError } from "./errors";
import type { CallPolicy } from "./guarded";
import { OpenAIProvider, type OpenAITarget } from "./openai";
import type { Capabilities } from "./types";

/** Where the running sidecar listens and its per-launch token; undefined while none is running. */
export type SidecarConnection = () => { url: string; token: string } | undefined;

export interface SidecarProviderOptions {
  fetch?: typeof fetch;
  policy?: Partial<CallPolicy>;
  capabilities?: (model: string) => Partial<Capabilities>;
}

export const SIDECAR_NOT_RUNNING =
  "The Chorus sidecar is not running — start it with 'Chorus: Restart Sidecar' (or `chorus serve` on the command line), then try again.";

/** The sidecar's routes live under /v1; accept its URL with or without that. */
export function sidecarBaseUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, "");
  return /\/v1$/.test(trimmed) ? trimmed : `${trimmed}/v1`;
}

export function createSidecarProvider(connection: SidecarConnection, opts: SidecarProviderOptions = {}): OpenAIProvider {
  const target = (): OpenAITarget => {
    const c = connection();
    if (!c) throw new ProviderError("unreachable", SIDECAR_NOT_RUNNING, { endpoint: "the Chorus sidecar" });
    return { baseURL: sidecarBaseUrl(c.url), apiKey: c.token };
  };
  // The sidecar implements `suffix` on /v1/completions itself, so FIM never needs a template there; and it fits an
  // editor's prompt to each model's context (small contexts, byte-level test models) when asked to.
  return new OpenAIProvider({
    kind: "sidecar",
    target,
    fetch: opts.fetch,
    policy: opts.policy,
    fim: "suffix",
    capabilities: opts.capabilities,
    truncatePrompt: true,
  });
}
