// The GGUF files "Merge Models…" offers: those in chorus.sidecar.modelFolders, those the running sidecar serves
// (its /v1/models names each file-backed model's file: the demo folder, Ollama's store) and the workspace's.
// No `vscode` import: unit-tested in plain Node.

import { basename, dirname } from "node:path";
import { findGgufFiles } from "../sidecar/registry/folder-scan";

export interface MergeCandidate {
  /** What the picker shows: the file name, or Ollama's name for a model in its store (a blob named by hash). */
  label: string;
  path: string;
  /** Where it comes from, shown beside the label. */
  where: string;
  fromOllama?: boolean;
}

/** A real (file-backed) model as the sidecar lists it; mixing presets and adapted models have no file of their own. */
export interface ServedModel {
  id: string;
  source: "folder" | "ollama";
  path: string;
}

export function mergeCandidates(o: { modelFolders: readonly string[]; served: readonly ServedModel[]; workspaceFiles: readonly string[] }): MergeCandidate[] {
  const found = new Map<string, MergeCandidate>();
  const add = (c: MergeCandidate) => found.has(c.path) || found.set(c.path, c);
  const file = (path: string, where = dirname(path)) => ({ label: basename(path), path, where });
  // The configured folders count even when no sidecar runs.
  for (const m of findGgufFiles(o.modelFolders).models) add(file(m.path));
  for (const s of o.served) {
    if (s.source === "ollama") add({ label: s.id, path: s.path, where: "Ollama", fromOllama: true });
    else add(file(s.path, `sidecar · ${dirname(s.path)}`));
  }
  for (const p of o.workspaceFiles) add(file(p));
  return [...found.values()].sort((a, b) => Number(!!a.fromOllama) - Number(!!b.fromOllama) || a.path.localeCompare(b.path));
}

/** The running sidecar's file-backed models; none when it does not run or does not answer within a few seconds. */
export async function servedModels(connection: { url: string; token: string } | undefined): Promise<ServedModel[]> {
  if (!connection) return [];
  try {
    const r = await fetch(`${connection.url}/v1/models`, { headers: { authorization: `Bearer ${connection.token}` }, signal: AbortSignal.timeout(3000) });
    if (!r.ok) return [];
    const body = (await r.json()) as { data?: { id?: unknown; chorus?: { source?: unknown; path?: unknown } }[] };
    return (body.data ?? []).flatMap((m) => {
      const { source, path } = m.chorus ?? {};
      if (typeof m.id !== "string" || (source !== "folder" && source !== "ollama") || typeof path !== "string") return [];
      return [{ id: m.id, source, path }];
    });
  } catch {
    return []; // the picker still offers the configured folders and the workspace
  }
}
