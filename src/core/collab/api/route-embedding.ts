// Optional semantic features for the router: when a model tagged "embedding" is configured and the privacy rules
// let it see the file, an Ask request's text is embedded and the vector joins the router's features. Off when
// no such model exists. Only Ask uses it: an embedding round trip on every completion keystroke would cost
// more than the routing decision saves, and the completion path stays as cheap as it was.

import type { ModeServices } from "../../modes";
import { allowedModels } from "../../privacy";

/** Past this the request routes without the embedding rather than keep the person waiting. */
export const ROUTER_EMBED_TIMEOUT_MS = 1500;

export interface RouterEmbedding {
  embedding: number[];
  embeddingModel: string;
}

/** The first allowed embedding model's vector for `text`, or undefined when none is configured or it fails. */
export async function routerEmbedding(
  services: ModeServices,
  text: string,
  filePath: string | undefined,
  signal: AbortSignal,
): Promise<RouterEmbedding | undefined> {
  const model = allowedModels(services.config.models, services.config.privacy, filePath).find((m) => m.tags?.includes("embedding"));
  if (!model) return undefined;
  const timeout = AbortSignal.timeout(ROUTER_EMBED_TIMEOUT_MS);
  try {
    const [v] = await services.models.embed(
      model.id,
      [text],
      { surface: "ask", mode: "route", decision: "router-embedding", filePath },
      AbortSignal.any([signal, timeout]),
    );
    // A failed or empty embedding only loses the semantic features; routing itself must not fail over it.
    return v && v.length > 0 && v.every(Number.isFinite) ? { embedding: v, embeddingModel: model.id } : undefined;
  } catch {
    if (signal.aborted) throw signal.reason;
    return undefined;
  }
}
