// A finding's place in the file as it is now. Its fix is found by its anchor, and the line numbers the review panel
// shows are kept in step with the file: a finding with a fix follows its code wherever edits moved it; one without
// a fix can only be shifted by the fixes Chorus itself applied above it.

import { anchorLines, locateFix, rebaseAnchor } from "./fix-anchor";
import type { Finding, LineRange } from "./findings";
import type { LineChange } from "./patch";

function shifted(lines: LineRange, by: number): LineRange {
  return { start: lines.start + by, end: lines.end + by };
}

/**
 * Where the finding's fix goes in `doc` (the file's lines now): found by the text it was computed for, never by
 * line numbers alone. Throws an error saying what to do when it cannot be placed safely.
 */
export function fixChange(doc: string[], f: Finding): LineChange {
  if (!f.patch) throw new Error(`Finding ${f.id} has no suggested fix.`);
  if (f.fixError) throw new Error(`${f.fixError}. Run the review again.`);
  // A finding saved by an older Chorus has no record of the text its fix was written for: never apply it blind.
  if (!f.fix) throw new Error("this fix was saved without the code it was written for, so it cannot be placed safely; run the review again.");
  return locateFix(doc, f.fix);
}

/** The finding as its fix sits now in `doc`, or undefined when the fix cannot be placed there. */
export function followFinding(doc: string[], f: Finding): Finding | undefined {
  if (!f.fix) return undefined;
  try {
    const at = locateFix(doc, f.fix);
    return { ...f, lines: shifted(f.lines, at.startLine - f.fix.change.startLine), fix: rebaseAnchor(f.fix, at) };
  } catch {
    return undefined;
  }
}

/** The finding's lines in `doc` now: where its fix is found, else the lines it was last known at. */
export function currentLines(doc: string[], f: Finding): LineRange {
  return followFinding(doc, f)?.lines ?? f.lines;
}

/**
 * The findings after the fix of `appliedId` was applied as `change` (located in the file before the edit);
 * `after` is the file's lines once it was. The applied finding now names, and is anchored to, the lines its fix
 * wrote. The others are found again by their anchors; those that cannot be (no fix, or their code changed) shift
 * with the lines this fix added or removed above them.
 */
export function findingsAfterFix(findings: Finding[], appliedId: string, change: LineChange, after: string[]): Finding[] {
  const delta = change.lines.length - (change.endLine - change.startLine + 1);
  return findings.map((f) => {
    if (f.id === appliedId) {
      const written = { start: change.startLine, end: change.startLine + change.lines.length - 1 };
      return { ...f, lines: { start: written.start, end: Math.max(written.start, written.end) }, fix: anchorLines(after, written.start, written.end) };
    }
    const found = followFinding(after, f);
    if (found) return found;
    // Below the replaced lines (an insertion: at or below the line it goes before) the code moved by delta.
    return f.lines.start > change.endLine ? { ...f, lines: shifted(f.lines, delta) } : f;
  });
}
