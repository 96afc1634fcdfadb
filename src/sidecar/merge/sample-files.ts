// A sample of the user's own code for "merge for my code": the text files under the given paths, whatever their
// extension (a Makefile, a .vue or .zig file is code too), skipping dependencies, build output and binaries,
// capped in total size so an evaluation stays quick. A binary is recognised by its content, as git does: a NUL
// byte in its first 8000 bytes (git's buffer_is_binary, xdiff-interface.c).
import { open, readdir, stat } from "node:fs/promises";
import * as path from "node:path";

const SKIP_DIRS = new Set(["node_modules", "dist", "out", "build", "target", "vendor", "__pycache__", ".venv", "venv"]);
/** How much of a file's start is searched for a NUL byte (git's FIRST_FEW_BYTES). */
const BINARY_PROBE = 8000;

export interface Sample {
  files: string[];
  texts: string[];
  bytes: number;
  /** Files found but left out, and why (binary, no text, the size cap reached), so the user can see what counted. */
  skipped: { file: string; reason: string }[];
}

async function walk(p: string, out: string[], limit: number): Promise<void> {
  if (out.length >= limit) return;
  const s = await stat(p);
  if (s.isFile()) {
    out.push(p);
    return;
  }
  if (!s.isDirectory()) return;
  const entries = (await readdir(p, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.name.startsWith(".") || SKIP_DIRS.has(e.name)) continue;
    const child = path.join(p, e.name);
    if (e.isDirectory()) await walk(child, out, limit);
    else if (e.isFile()) out.push(child);
    if (out.length >= limit) return;
  }
}

/** The first `length` bytes of a file (never the whole of a large one). */
async function readStart(file: string, length: number): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buf, 0, length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Up to `maxBytes` of text from the files and folders given, spread over the files (each contributes at most an
 * equal share, from its start). Binary files (with NUL bytes) are left out and listed in `skipped`.
 */
export async function collectSample(paths: readonly string[], maxBytes = 64 * 1024): Promise<Sample> {
  const files: string[] = [];
  for (const p of paths) {
    try {
      await walk(path.resolve(p), files, 2000);
    } catch {
      throw new Error(`cannot read ${p} for the evaluation sample: check the path`);
    }
  }
  if (files.length === 0) throw new Error(`no files found in ${paths.join(", ")} to evaluate merges on`);
  const share = Math.max(1024, Math.floor(maxBytes / files.length));
  const sample: Sample = { files: [], texts: [], bytes: 0, skipped: [] };
  for (const f of files) {
    if (sample.bytes >= maxBytes) {
      sample.skipped.push({ file: f, reason: `the sample already holds ${maxBytes} bytes` });
      continue;
    }
    const buf = await readStart(f, Math.max(share, BINARY_PROBE));
    if (buf.subarray(0, BINARY_PROBE).includes(0)) {
      sample.skipped.push({ file: f, reason: "binary (a NUL byte near its start)" });
      continue;
    }
    const text = buf.subarray(0, Math.min(share, maxBytes - sample.bytes)).toString("utf8");
    if (!text.trim()) {
      sample.skipped.push({ file: f, reason: "no text (empty or whitespace)" });
      continue;
    }
    sample.files.push(f);
    sample.texts.push(text);
    sample.bytes += Buffer.byteLength(text, "utf8");
  }
  if (sample.texts.length === 0) throw new Error(`the files in ${paths.join(", ")} hold no text to evaluate merges on`);
  return sample;
}
