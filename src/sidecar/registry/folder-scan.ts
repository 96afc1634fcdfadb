// GGUF files in the folders the user configured (chorus.sidecar.modelFolders). A model's id is its file name
// without ".gguf"; when two folders hold the same name, the later one gets its folder's name as a prefix.

import { readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";

export interface FolderModel {
  name: string;
  path: string;
  sizeBytes: number;
}

const MAX_DEPTH = 3;

export function findGgufFiles(folders: readonly string[]): { models: FolderModel[]; problems: string[] } {
  const models: FolderModel[] = [];
  const problems: string[] = [];
  const taken = new Set<string>();
  for (const folder of folders) {
    let isDir = false;
    try {
      isDir = statSync(folder).isDirectory();
    } catch {
      /* reported below */
    }
    if (!isDir) {
      problems.push(`Model folder ${folder} does not exist or is not a folder; fix chorus.sidecar.modelFolders (or chorus serve --models).`);
      continue;
    }
    for (const path of walk(folder, 0)) {
      let name = basename(path).replace(/\.gguf$/i, "");
      if (taken.has(name)) name = `${basename(folder)}/${name}`;
      if (taken.has(name)) continue;
      taken.add(name);
      let sizeBytes = 0;
      try {
        sizeBytes = statSync(path).size;
      } catch {
        continue;
      }
      models.push({ name, path, sizeBytes });
    }
  }
  return { models, problems };
}

function walk(dir: string, depth: number): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isFile() && /\.gguf$/i.test(e.name)) out.push(p);
    else if (e.isDirectory() && depth < MAX_DEPTH) out.push(...walk(p, depth + 1));
  }
  return out;
}
