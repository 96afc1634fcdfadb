// Turning a finding's patch into one line-range replacement the editor can apply (and undo) or preview.
// Models give either replacement text for the finding's lines or a unified diff; both become the same shape.

export interface LineChange {
  /** 1-based, inclusive range of lines replaced; an insertion has endLine = startLine - 1. */
  startLine: number;
  endLine: number;
  /** The new lines. */
  lines: string[];
}

export class PatchError extends Error {
  override readonly name = "PatchError";
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

export function isUnifiedDiff(patch: string): boolean {
  return patch.split(/\r?\n/).some((l) => HUNK.test(l));
}

/** Models often wrap code in a fence even when told not to. */
function unfence(text: string): string {
  const m = /^\s*```[^\n]*\n([\s\S]*?)\n?```\s*$/.exec(text);
  return m ? m[1]! : text;
}

/**
 * The change a finding's patch makes to `docLines`: the whole file, or the part of it that was reviewed when
 * `firstLine` (the file's number for docLines[0]) says where that part starts. `lines` and the returned change
 * use the file's line numbers. Throws PatchError.
 */
export function patchToChange(docLines: string[], lines: { start: number; end: number }, patch: string, firstLine = 1): LineChange {
  const last = firstLine + docLines.length - 1;
  if (lines.start < firstLine || lines.end > last || lines.start > lines.end)
    throw new PatchError(
      `The finding's lines ${lines.start}–${lines.end} are outside the ${firstLine === 1 ? `file (${docLines.length} lines)` : `reviewed lines ${firstLine}–${last}`}; run the review again.`,
    );
  const after = isUnifiedDiff(patch)
    ? applyUnifiedDiff(docLines, patch, firstLine)
    : [...docLines.slice(0, lines.start - firstLine), ...replacementLines(patch), ...docLines.slice(lines.end - firstLine + 1)];
  const c = minimalChange(docLines, after);
  return { startLine: c.startLine + firstLine - 1, endLine: c.endLine + firstLine - 1, lines: c.lines };
}

function replacementLines(patch: string): string[] {
  return unfence(patch.replace(/\r\n/g, "\n")).replace(/\n$/, "").split("\n");
}

function applyUnifiedDiff(docLines: string[], diff: string, firstLine: number): string[] {
  const out: string[] = [];
  let cursor = 0; // index into docLines of the next line not yet copied
  const rows = diff.replace(/\r\n/g, "\n").split("\n");
  for (let i = 0; i < rows.length; i++) {
    const h = HUNK.exec(rows[i]!);
    if (!h) continue;
    const oldLines: string[] = [];
    const newLines: string[] = [];
    for (i++; i < rows.length && !HUNK.test(rows[i]!); i++) {
      const row = rows[i]!;
      if (row.startsWith("\\")) continue; // "\ No newline at end of file"
      const tag = row[0];
      const body = row.slice(1);
      if (tag === " " || row === "") {
        oldLines.push(body);
        newLines.push(body);
      } else if (tag === "-") oldLines.push(body);
      else if (tag === "+") newLines.push(body);
      else if (row.startsWith("---") || row.startsWith("+++")) continue;
    }
    i--;
    while (oldLines.length && oldLines.at(-1) === "" && newLines.at(-1) === "") {
      oldLines.pop();
      newLines.pop();
    }
    const at = findHunk(docLines, oldLines, Number(h[1]) - firstLine, cursor);
    if (at < 0) throw new PatchError(`The suggested diff does not match the file near line ${h[1]}; the file may have changed. Run the review again.`);
    out.push(...docLines.slice(cursor, at), ...newLines);
    cursor = at + oldLines.length;
  }
  out.push(...docLines.slice(cursor));
  return out;
}

/** Where the hunk's old lines sit: at the stated line if they match there, else the nearest match after `from`. */
function findHunk(doc: string[], old: string[], stated: number, from: number): number {
  const matches = (at: number) => at >= from && at + old.length <= doc.length && old.every((l, k) => doc[at + k]!.trimEnd() === l.trimEnd());
  if (matches(stated)) return stated;
  for (let d = 1; d < doc.length; d++) {
    if (matches(stated - d)) return stated - d;
    if (matches(stated + d)) return stated + d;
  }
  return -1;
}

/** Shrink a whole-file rewrite to the lines that actually differ, so the edit and its undo stay small. */
function minimalChange(before: string[], after: string[]): LineChange {
  let head = 0;
  while (head < before.length && head < after.length && before[head] === after[head]) head++;
  let tail = 0;
  while (tail < before.length - head && tail < after.length - head && before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail++;
  return { startLine: head + 1, endLine: before.length - tail, lines: after.slice(head, after.length - tail) };
}

export function applyChange(docLines: string[], c: LineChange): string[] {
  return [...docLines.slice(0, c.startLine - 1), ...c.lines, ...docLines.slice(c.endLine)];
}
