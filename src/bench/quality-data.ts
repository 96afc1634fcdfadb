// The held-out text `chorus bench quality` scores: per language, the first files of <heldout>/<language>/ (or of
// <heldout>/<language>/heldout/, the layout of test/fixtures/corpora) up to a byte cap, and — for `--optimize` —
// a sample of one language that is disjoint from what is scored, so the search never sees the text it is judged on.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

export const LANGUAGES = ["typescript", "python"] as const;
export type Language = (typeof LANGUAGES)[number];

export interface HeldOutText {
  /** The file it comes from, relative to the held-out folder. */
  file: string;
  text: string;
}

export interface HeldOutSet {
  dir: string;
  /** The scored text of each language, file by file (a file may be cut at the cap). */
  scored: Record<Language, HeldOutText[]>;
  /** Text of `optimizeLanguage` that is not in `scored` (the rest of the cut file and later files, or else its last file). */
  optimizeSample: HeldOutText[];
  optimizeLanguage: Language;
}

export interface HeldOutOptions {
  dir: string;
  /** UTF-8 bytes scored per language at most. */
  maxBytes: number;
  /** UTF-8 bytes of the optimisation sample at most. */
  sampleBytes: number;
  optimizeLanguage?: Language;
}

export const utf8Bytes = (s: string): number => Buffer.byteLength(s, "utf8");

/** The longest start of `text` of at most `maxBytes` UTF-8 bytes, cut between characters. */
export function headByBytes(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const n = utf8Bytes(ch);
    if (bytes + n > maxBytes) break;
    bytes += n;
    end += ch.length;
  }
  return text.slice(0, end);
}

/** The shortest end of `text` of at most `maxBytes` UTF-8 bytes, cut between characters. */
export function tailByBytes(text: string, maxBytes: number): string {
  const chars = [...text];
  let bytes = 0;
  let start = chars.length;
  while (start > 0 && bytes + utf8Bytes(chars[start - 1]!) <= maxBytes) bytes += utf8Bytes(chars[--start]!);
  return chars.slice(start).join("");
}

function languageFiles(dir: string, language: Language): { folder: string; files: string[] } {
  const candidates = [path.join(dir, language), path.join(dir, language, "heldout")];
  for (const folder of candidates.reverse()) {
    if (!existsSync(folder) || !statSync(folder).isDirectory()) continue;
    const files = readdirSync(folder)
      .filter((f) => f.endsWith(".txt") && statSync(path.join(folder, f)).isFile())
      .sort();
    if (files.length > 0) return { folder, files };
  }
  throw new Error(
    `no held-out ${language} files in ${dir}: put one source file per .txt in ${path.join(dir, language)}/ (or ${path.join(dir, language, "heldout")}/), or point --heldout elsewhere`,
  );
}

function readLanguage(dir: string, language: Language): HeldOutText[] {
  const { folder, files } = languageFiles(dir, language);
  return files
    .map((f) => ({ file: path.relative(dir, path.join(folder, f)), text: readFileSync(path.join(folder, f), "utf8") }))
    .filter((t) => t.text.trim() !== "");
}

/** The first `maxBytes` of the files in order, and what is left after them. */
function splitAtCap(texts: readonly HeldOutText[], maxBytes: number): { head: HeldOutText[]; rest: HeldOutText[] } {
  const head: HeldOutText[] = [];
  const rest: HeldOutText[] = [];
  let left = maxBytes;
  for (const t of texts) {
    const taken = left > 0 ? headByBytes(t.text, left) : "";
    if (taken) head.push({ file: t.file, text: taken });
    if (taken.length < t.text.length) rest.push({ file: t.file, text: t.text.slice(taken.length) });
    left -= utf8Bytes(taken);
  }
  return { head, rest };
}

/** Up to `maxBytes` from the start of the texts, in order. */
function takeBytes(texts: readonly HeldOutText[], maxBytes: number): HeldOutText[] {
  return splitAtCap(texts, maxBytes).head;
}

export function loadHeldOut(o: HeldOutOptions): HeldOutSet {
  const optimizeLanguage = o.optimizeLanguage ?? "typescript";
  const all = Object.fromEntries(LANGUAGES.map((l) => [l, readLanguage(o.dir, l)])) as Record<Language, HeldOutText[]>;
  const scored = {} as Record<Language, HeldOutText[]>;
  let optimizeSample: HeldOutText[] = [];
  for (const language of LANGUAGES) {
    const { head, rest } = splitAtCap(all[language], o.maxBytes);
    scored[language] = head;
    if (language !== optimizeLanguage) continue;
    optimizeSample = takeBytes(rest, o.sampleBytes);
    // Everything is within the cap: the last file becomes the sample (when another is left to score).
    if (optimizeSample.length === 0 && head.length > 1) {
      optimizeSample = takeBytes([head.pop()!], o.sampleBytes);
    }
  }
  return { dir: o.dir, scored, optimizeSample, optimizeLanguage };
}
