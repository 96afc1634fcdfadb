// GET /v1/models: the GGUF models the registry found and the virtual models (presets), in OpenAI's list shape,
// with a `chorus` field saying where each comes from, and (for the whole list) the configuration's problems and
// where llama.cpp computes ("cpu", a GPU backend such as "cuda", or "starting" while its runtime loads).

import type { SidecarServices } from "../generation-service";
import { VIRTUAL_PREFIX } from "../../presets";

export async function listModels(svc: SidecarServices) {
  const created = Math.floor(Date.now() / 1000);
  const real = (await svc.registry.listChecked()).map((m) => ({
    id: m.id,
    object: "model",
    created,
    owned_by: m.source === "ollama" ? "ollama" : "local",
    chorus: {
      kind: "model",
      source: m.source,
      size_bytes: m.sizeBytes,
      // The file behind it (the caller holds this launch's token): what "Merge Models…" merges.
      path: m.path,
      loaded: svc.registry.loadedIds().includes(m.id),
      // Why the file cannot be served: its header shows llama.cpp would refuse it (checked at listing), or it was
      // tried and failed to load; either way the file has not changed since.
      ...(m.unusable ? { unusable: m.unusable } : {}),
      ...(m.adapters ? { base: m.base, adapters: m.adapters.map((a) => ({ path: a.path, scale: a.scale })) } : {}),
    },
  }));
  const virtual = svc.presets().map((p) => ({
    id: VIRTUAL_PREFIX + p.name,
    object: "model",
    created,
    owned_by: "chorus",
    chorus: { kind: "virtual", strategy: p.spec.strategy, description: p.description, spec: p.spec },
  }));
  return {
    object: "list",
    data: [...virtual, ...real],
    chorus: { problems: [...(svc.configProblems ?? []), ...svc.registry.problems()], compute: svc.registry.compute() ?? "starting" },
  };
}
