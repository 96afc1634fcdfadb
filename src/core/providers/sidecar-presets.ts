// What a running Chorus sidecar serves besides plain models: its mixing presets (virtual models "chorus/<name>"),
// the problems its configuration has (a preset that does not validate, a missing model folder) and where llama.cpp
// computes. Read from its /v1/models, whose `chorus` fields only the sidecar writes (src/sidecar/server/routes/models.ts).

import { ProviderError } from "./errors";
import type { SidecarConnection } from "./sidecar";
import { sidecarBaseUrl } from "./sidecar";

/** One mixing preset as the sidecar lists it. */
export interface SidecarPreset {
  /** The virtual model's name, "chorus/<preset>". */
  id: string;
  /** The mixing strategy ("product", "contrastive", "context-contrastive", …). */
  strategy?: string;
  description?: string;
}

export interface SidecarListing {
  presets: SidecarPreset[];
  problems: string[];
  /** "cpu", a GPU backend such as "cuda", "starting" while llama.cpp loads; undefined from a sidecar that does not say. */
  compute?: string;
}

interface ListedModel {
  id?: unknown;
  chorus?: { kind?: unknown; strategy?: unknown; description?: unknown };
}

const LIST_TIMEOUT_MS = 5000;

/** The sidecar's presets and state; an empty listing when no sidecar is running. */
export async function listSidecarPresets(connection: SidecarConnection, signal?: AbortSignal): Promise<SidecarListing> {
  const c = connection();
  if (!c) return { presets: [], problems: [] };
  const url = `${sidecarBaseUrl(c.url)}/models`;
  const r = await fetch(url, { headers: { authorization: `Bearer ${c.token}` }, signal: signal ?? AbortSignal.timeout(LIST_TIMEOUT_MS) });
  if (!r.ok)
    throw new ProviderError("server", `The sidecar at ${c.url} answered ${r.status} to /v1/models; check CHORUS_SIDECAR_TOKEN or restart it.`, {
      endpoint: c.url,
      status: r.status,
    });
  const body = (await r.json()) as { data?: unknown; chorus?: { problems?: unknown; compute?: unknown } };
  const data: ListedModel[] = Array.isArray(body.data) ? (body.data as ListedModel[]) : [];
  const presets = data
    .filter((m) => m.chorus?.kind === "virtual" && typeof m.id === "string")
    .map((m): SidecarPreset => ({ id: m.id as string, strategy: text(m.chorus?.strategy), description: text(m.chorus?.description) }));
  const problems = Array.isArray(body.chorus?.problems) ? body.chorus.problems.filter((p): p is string => typeof p === "string") : [];
  return { presets, problems, compute: text(body.chorus?.compute) };
}

function text(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}
