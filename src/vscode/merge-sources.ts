// The GGUF files "Merge Models…" offers: those in chorus.sidecar.modelFolders, those the running sidecar serves
// (its demo folder, Ollama's store) and the workspace's. The sidecar's /v1/models names its models but not their
// files, so each served model is matched, by name and size, to a file in a folder that sidecar can serve from —
// the same scans its registry runs. No `vscode` import: unit-tested in plain Node.

import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import { demoFolder } from "../sidecar/demo";
import { findGgufFiles } from "../sidecar/registry/folder-scan";
import { findOllamaModels } from "../sidecar/registry/ollama-store";

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
  sizeBytes: number;
}

/**
 * The demo caches a sidecar may be serving: the extension's own (chorus.sidecar.demoModels, in its global storage),
 * `chorus serve --demo`'s default, and `npm start`'s (scripts/start.mjs passes --cache-dir to the checkout's .cache).
 */
export function demoCaches(paths: { globalStorage: string; extensionRoot: string }, env: NodeJS.ProcessEnv = process.env): string[] {
  return [paths.globalStorage, join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "chorus"), join(paths.extensionRoot, ".cache", "start", "demo-models")];
}

export function mergeCandidates(o: {
  modelFolders: readonly string[];
  served: readonly ServedModel[];
  demoCaches: readonly string[];
  ollamaStore: string;
  workspaceFiles: readonly string[];
}): MergeCandidate[] {
  const found = new Map<string, MergeCandidate>();
  const add = (c: MergeCandidate) => found.has(c.path) || found.set(c.path, c);
  const file = (path: string) => ({ label: basename(path), path, where: dirname(path) });
  // Scanned one folder at a time: the registry prefixes a name that two folders share, and sizes tell them apart.
  const folderFiles = (folders: readonly string[]) => folders.flatMap((f) => findGgufFiles([f]).models);

  for (const m of folderFiles(o.modelFolders)) add(file(m.path));
  const servedFolder = o.served.filter((s) => s.source === "folder");
  if (servedFolder.length > 0) {
    const files = folderFiles([...o.modelFolders, ...o.demoCaches.map(demoFolder)]);
    for (const s of servedFolder) {
      const m = files.find((f) => (s.id === f.name || s.id.endsWith(`/${f.name}`)) && s.sizeBytes === f.sizeBytes);
      if (m) add({ ...file(m.path), where: `sidecar · ${dirname(m.path)}` }); // served, though not in a configured folder
    }
  }
  const servedOllama = new Map(o.served.filter((s) => s.source === "ollama").map((s) => [s.id, s]));
  if (servedOllama.size > 0)
    for (const m of findOllamaModels(o.ollamaStore).models)
      if (servedOllama.get(m.name)?.sizeBytes === m.sizeBytes) add({ label: m.name, path: m.path, where: "Ollama", fromOllama: true });
  for (const p of o.workspaceFiles) add(file(p));
  return [...found.values()].sort((a, b) => Number(!!a.fromOllama) - Number(!!b.fromOllama) || a.path.localeCompare(b.path));
}

/** The running sidecar's file-backed models; none when it does not run or does not answer within a few seconds. */
export async function servedModels(connection: { url: string; token: string } | undefined): Promise<ServedModel[]> {
  if (!connection) return [];
  try {
    const r = await fetch(`${connection.url}/v1/models`, { headers: { authorization: `Bearer ${connection.token}` }, signal: AbortSignal.timeout(3000) });
    if (!r.ok) return [];
    const body = (await r.json()) as { data?: { id?: unknown; chorus?: { source?: unknown; size_bytes?: unknown } }[] };
    return (body.data ?? []).flatMap((m) => {
      const source = m.chorus?.source;
      if (typeof m.id !== "string" || (source !== "folder" && source !== "ollama") || typeof m.chorus?.size_bytes !== "number") return [];
      return [{ id: m.id, source, sizeBytes: m.chorus.size_bytes }];
    });
  } catch {
    return []; // the picker still offers the configured folders and the workspace
  }
}
