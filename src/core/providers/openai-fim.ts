/**
 * Fill-in-the-middle on an OpenAI-compatible /v1/completions: the native `suffix` parameter where the endpoint
 * honours it, otherwise the model family's FIM template in the prompt. When "auto" mode sends `suffix` and the
 * server rejects it (vLLM: "suffix is not currently supported"), the request is redone with the template and the
 * model is remembered, so later completions skip the failing attempt.
 */

import { ProviderError, isProviderError } from "./errors";
import { FIM_FAMILIES, fimTemplateByFamily, fimTemplateFor } from "./fim-templates";
import { prefersNativeSuffix, type FimMode } from "./openai-capabilities";
import type { Delta, FimRequest } from "./types";

export interface FimHost {
  readonly kind: "openai" | "sidecar";
  readonly endpoint: string;
  readonly suffixRejected: Set<string>;
}

/** Sends one /v1/completions stream: `suffix` undefined means a template prompt. */
export type OpenCompletion = (prompt: string, suffix: string | undefined, stop: string[] | undefined) => AsyncIterable<Delta>;

function isSuffixRejection(e: unknown): boolean {
  if (!isProviderError(e)) return false;
  if (e.kind === "unsupported") return true;
  return e.kind === "server" && (e.details.status === 400 || e.details.status === 422) && /suffix/i.test(e.message);
}

export async function* fimStream(host: FimHost, mode: FimMode, family: string | undefined, req: FimRequest, open: OpenCompletion): AsyncGenerator<Delta> {
  const template = family ? fimTemplateByFamily(family) : fimTemplateFor(req.model);
  const trySuffix =
    mode === "suffix" || (mode === "auto" && !host.suffixRejected.has(req.model) && (prefersNativeSuffix(host.kind, host.endpoint) || !template));
  if (trySuffix) {
    let started = false;
    try {
      for await (const d of open(req.prefix, req.suffix, req.stop)) {
        started = true;
        yield d;
      }
      return;
    } catch (e) {
      if (started || mode === "suffix" || !template || !isSuffixRejection(e)) throw e;
      host.suffixRejected.add(req.model);
    }
  }
  if (!template)
    throw new ProviderError(
      "unsupported",
      `No fill-in-the-middle template is known for '${req.model}' at ${host.endpoint} — set its FIM family (${FIM_FAMILIES.join(", ")}) or choose a code model for completions.`,
      { endpoint: host.endpoint, model: req.model },
    );
  yield* open(template.build(req.prefix, req.suffix), undefined, [...(req.stop ?? []), ...template.stop]);
}
