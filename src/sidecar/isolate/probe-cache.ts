// What the helper process found about each model file, on disk in the sidecar's cache folder, so a file is loaded
// in a throwaway process once, not on every start. Keyed by path; an entry holds only while the file's size and
// mtime are those it was proven with. A damaged cache file is treated as empty.

import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export interface ProbeVerdict {
  loadable: boolean;
  /** One line: why llama.cpp cannot use the file. */
  reason?: string;
}

interface Entry extends ProbeVerdict {
  size: number;
  mtimeMs: number;
}

const MAX_ENTRIES = 2000;

export class ProbeCache {
  private entries = new Map<string, Entry>();

  /** In memory only when there is no file. */
  constructor(private readonly file?: string) {
    if (file) this.entries = readEntries(file);
  }

  get(path: string): ProbeVerdict | undefined {
    const e = this.entries.get(path);
    const st = statOf(path);
    if (!e || !st || e.size !== st.size || e.mtimeMs !== st.mtimeMs) return undefined;
    return e.reason === undefined ? { loadable: e.loadable } : { loadable: e.loadable, reason: e.reason };
  }

  set(path: string, verdict: ProbeVerdict): void {
    const st = statOf(path);
    if (!st) return;
    this.entries.delete(path);
    this.entries.set(path, { ...verdict, size: st.size, mtimeMs: st.mtimeMs });
    while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.save();
  }

  private save(): void {
    if (!this.file) return;
    const tmp = `${this.file}.tmp-${process.pid}`;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(tmp, JSON.stringify({ version: 1, models: Object.fromEntries(this.entries) }));
      renameSync(tmp, this.file);
    } catch {
      // An unwritable cache costs a probe on the next start, nothing more.
    }
  }
}

function statOf(path: string): { size: number; mtimeMs: number } | undefined {
  try {
    const st = statSync(path);
    return { size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    return undefined;
  }
}

function readEntries(file: string): Map<string, Entry> {
  try {
    const raw = JSON.parse(readFileSync(file, "utf8")) as { version?: unknown; models?: unknown };
    if (raw.version !== 1 || typeof raw.models !== "object" || raw.models === null) return new Map();
    const out = new Map<string, Entry>();
    for (const [path, v] of Object.entries(raw.models as Record<string, Partial<Entry>>)) {
      if (typeof v.size === "number" && typeof v.mtimeMs === "number" && typeof v.loadable === "boolean")
        out.set(path, { size: v.size, mtimeMs: v.mtimeMs, loadable: v.loadable, ...(typeof v.reason === "string" ? { reason: v.reason } : {}) });
    }
    return out;
  } catch {
    return new Map();
  }
}
