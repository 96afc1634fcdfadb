// A sample of the user's own code for "merge for my code": source files under the given paths, skipping
// dependencies, build output and binaries, capped in total size so an evaluation stays quick.
import { readdir, readFile, stat } from "node:fs/promises";
import * as path from "node:path";

const SKIP_DIRS = new Set(["node_modules", "dist", "out", "build", "target", "vendor", "__pycache__", ".venv", "venv"]);
const SOURCE_EXT = new Set([
  ".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".py", ".go", ".rs", ".java", ".kt", ".c", ".h", ".cc", ".cpp", ".hpp",
  ".cs", ".rb", ".php", ".swift", ".scala", ".sh", ".lua", ".sql", ".md", ".json", ".yaml", ".yml", ".toml", ".css", ".html",
]);

export interface Sample {
  files: string[];
  texts: string[];
  bytes: number;
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
    else if (e.isFile() && SOURCE_EXT.has(path.extname(e.name).toLowerCase())) out.push(child);
    if (out.length >= limit) return;
  }
}

/**
 * Up to `maxBytes` of text from the files and folders given, spread over the files (each contributes at most an
 * equal share, from its start). Binary files (with NUL bytes) are left out.
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
  if (files.length === 0) throw new Error(`no source files found in ${paths.join(", ")} to evaluate merges on`);
  const share = Math.max(1024, Math.floor(maxBytes / files.length));
  const sample: Sample = { files: [], texts: [], bytes: 0 };
  for (const f of files) {
    if (sample.bytes >= maxBytes) break;
    const buf = await readFile(f);
    if (buf.includes(0)) continue;
    const text = buf.subarray(0, Math.min(share, maxBytes - sample.bytes)).toString("utf8");
    if (!text.trim()) continue;
    sample.files.push(f);
    sample.texts.push(text);
    sample.bytes += Buffer.byteLength(text, "utf8");
  }
  if (sample.texts.length === 0) throw new Error(`the files in ${paths.join(", ")} hold no text to evaluate merges on`);
  return sample;
}
