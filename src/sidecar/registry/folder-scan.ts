// GGUF files in the folders the user configured (chorus.sidecar.modelFolders). A model's id is its file name
// without ".gguf"; when two folders hold the same name, the later one gets its folder's name as a prefix.
// Split models (`name-00001-of-00003.gguf`, written by llama.cpp's gguf-split and how Hugging Face hosts large
// GGUFs) are one model in several files, not several models: they are reported once, with what to do, because the
// sidecar checks and loads one file per model.

import { readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";

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
    const { single, splitProblems } = separateSplits(walk(folder, 0));
    problems.push(...splitProblems);
    for (const path of single) {
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

const SPLIT_PART = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i;

/** Single-file models, and one sentence per split model saying why it is not served and what to do. */
function separateSplits(paths: string[]): { single: string[]; splitProblems: string[] } {
  const single: string[] = [];
  const splits = new Map<string, { dir: string; prefix: string; total: number; parts: Set<number> }>();
  for (const p of paths) {
    const m = SPLIT_PART.exec(basename(p));
    if (!m) {
      single.push(p);
      continue;
    }
    const [prefix, part, total] = [m[1]!, Number(m[2]), Number(m[3])];
    const dir = dirname(p);
    const key = join(dir, `${prefix}-of-${total}`);
    const group = splits.get(key) ?? { dir, prefix, total, parts: new Set<number>() };
    group.parts.add(part);
    splits.set(key, group);
  }
  const splitProblems = [...splits.values()].map(({ dir, prefix, total, parts }) => {
    const name = (i: number) => `${prefix}-${String(i).padStart(5, "0")}-of-${String(total).padStart(5, "0")}.gguf`;
    const missing = Array.from({ length: total }, (_, i) => i + 1).filter((i) => !parts.has(i));
    if (missing.length)
      return `Split model ${prefix} in ${dir} is missing ${missing.map(name).join(", ")}: llama.cpp needs all ${total} parts side by side; finish the download.`;
    return `Split model ${prefix} in ${dir} (${total} files) is not served: the sidecar serves single-file models; join the parts with llama.cpp's \`llama-gguf-split --merge ${name(1)} ${prefix}.gguf\` in that folder.`;
  });
  return { single, splitProblems };
}
