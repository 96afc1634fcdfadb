// Tying a suggested fix to the text it was written for. A model writes its patch against the code it was shown,
// but the user keeps editing while the review runs and afterwards; applying the patch by line numbers alone then
// rewrites whatever sits at those numbers now (issue #22: a line typed above a finding made "Apply fix" delete a
// function's signature). So each fix is computed once against the reviewed text, kept with the exact lines it
// replaces and a few lines around them, and found again in the file as it is now: where those lines moved, it
// follows them; where they changed, or appear in several equally likely places, it refuses instead of guessing.

import { isUnifiedDiff, patchToChange, PatchError, type LineChange } from "./patch";

/** A fix computed against the reviewed text. Plain data: it travels with its finding into the panel's snapshot. */
export interface FixAnchor {
  /** The change in the file's line numbers where the anchor was last seen (at first: when the code was reviewed). */
  change: LineChange;
  /** The lines `change` replaces, as they were reviewed (empty for a pure insertion). */
  original: string[];
  /** Up to CONTEXT_LINES reviewed lines just above and just below the changed range, nearest last / first. */
  before: string[];
  after: string[];
}

/** Enough to tell a moved block from a look-alike elsewhere, few enough to survive edits near it. */
export const CONTEXT_LINES = 3;

/** The text the models were shown: `code` starts at line `startLine` of the file. */
export interface ReviewedText {
  code: string;
  startLine: number;
}

/** Raised when a fix cannot be placed safely in the file as it is now; the message says what to do. */
export class FixMovedError extends PatchError {}

function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

/**
 * Compute a finding's fix against the reviewed text. Throws PatchError when the patch does not fit that text.
 * Replacement text covers all the lines it was written for, even those it leaves as they were: the fix was
 * judged against all of them, so an edit to any of them since the review must stop it. (A unified diff names
 * its own lines: its change is the lines it alters, and its context lines become the anchor's context.)
 */
export function anchorFix(reviewed: ReviewedText, lines: { start: number; end: number }, patch: string): FixAnchor {
  const code = splitLines(reviewed.code);
  const minimal = patchToChange(code, lines, patch, reviewed.startLine);
  const change = isUnifiedDiff(patch) ? minimal : covering(code, reviewed.startLine, minimal, lines);
  const first = change.startLine - reviewed.startLine; // index in `code` of the first changed line
  const afterEnd = change.endLine - reviewed.startLine + 1; // index just past the changed range
  return {
    change,
    original: code.slice(first, afterEnd),
    before: code.slice(Math.max(0, first - CONTEXT_LINES), first),
    after: code.slice(afterEnd, afterEnd + CONTEXT_LINES),
  };
}

/**
 * An anchor for lines `start`..`end` of `doc` as they are (an empty range, end = start - 1, anchors the gap before
 * `start`). After a fix is applied, its finding is anchored to what the fix wrote, so its lines keep following
 * the code; its `change` rewrites nothing.
 */
export function anchorLines(doc: string[], start: number, end: number): FixAnchor {
  const original = doc.slice(start - 1, end);
  return {
    change: { startLine: start, endLine: end, lines: [...original] },
    original,
    before: doc.slice(Math.max(0, start - 1 - CONTEXT_LINES), start - 1),
    after: doc.slice(end, end + CONTEXT_LINES),
  };
}

/** `c` widened to replace every line of `lines` too (the widened lines get their own text back). */
function covering(code: string[], firstLine: number, c: LineChange, lines: { start: number; end: number }): LineChange {
  const startLine = Math.min(c.startLine, lines.start);
  const endLine = Math.max(c.endLine, lines.end);
  const above = code.slice(startLine - firstLine, c.startLine - firstLine);
  const below = code.slice(c.endLine - firstLine + 1, endLine - firstLine + 1);
  return { startLine, endLine, lines: [...above, ...c.lines, ...below] };
}

/** Lines compare equal when they differ only in trailing whitespace (an editor may trim it on save). */
function same(a: string | undefined, b: string): boolean {
  return a !== undefined && a.trimEnd() === b.trimEnd();
}

/** How many context lines match around a block of `length` lines at index `at`, counted outwards from it. */
/** `adjacent`: the nearest line on each side (where the anchor has one) matches. */
function contextScore(doc: string[], at: number, length: number, a: FixAnchor): { score: number; adjacent: boolean } {
  let above = 0;
  while (above < a.before.length && same(doc[at - 1 - above], a.before[a.before.length - 1 - above]!)) above++;
  let below = 0;
  while (below < a.after.length && same(doc[at + length + below], a.after[below]!)) below++;
  return { score: above + below, adjacent: above >= Math.min(1, a.before.length) && below >= Math.min(1, a.after.length) };
}

interface Candidate {
  at: number;
  score: number;
}

/** Every index where the anchor could sit: its original lines match there (an insertion: the lines around it do). */
function candidates(doc: string[], a: FixAnchor): Candidate[] {
  const n = a.original.length;
  const out: Candidate[] = [];
  for (let at = 0; at + n <= doc.length; at++) {
    if (!a.original.every((l, k) => same(doc[at + k], l))) continue;
    const ctx = contextScore(doc, at, n, a);
    // An insertion has no lines of its own to recognise: it goes only between the very lines it was written between.
    if (n === 0 && !ctx.adjacent) continue;
    out.push({ at, score: ctx.score });
  }
  return out;
}

function where(a: FixAnchor): string {
  const c = a.change;
  return c.endLine > c.startLine ? `lines ${c.startLine}–${c.endLine}` : `line ${c.startLine}`;
}

/**
 * Where the fix goes in `doc` (the file's lines now): the place whose original lines match and whose context
 * matches best, then the one nearest to where it was last seen. Throws FixMovedError when the original lines are
 * gone or two places are equally likely.
 */
export function locateFix(doc: string[], a: FixAnchor): LineChange {
  const found = candidates(doc, a);
  const stated = a.change.startLine - 1;
  const best = Math.max(-1, ...found.map((c) => c.score));
  const top = found.filter((c) => c.score === best);
  if (top.length === 0)
    throw new FixMovedError(
      a.original.length > 0
        ? `The code at ${where(a)} changed since the review, so the fix no longer fits it; run the review again.`
        : `The code around ${where(a)}, where the fix inserts lines, changed since the review; run the review again.`,
    );
  // Several equally good matches with no context to tell them apart: a look-alike, not a moved block.
  if (top.length > 1 && best === 0)
    throw new FixMovedError(`The code the fix replaces (${where(a)} at review time) now appears at ${top.length} places in the file; run the review again.`);
  top.sort((x, y) => Math.abs(x.at - stated) - Math.abs(y.at - stated));
  const [first, second] = top;
  if (second && Math.abs(second.at - stated) === Math.abs(first!.at - stated))
    throw new FixMovedError(
      `The code the fix replaces (${where(a)} at review time) now appears at lines ${first!.at + 1} and ${second.at + 1}, equally likely; run the review again.`,
    );
  const at = first!.at;
  return { startLine: at + 1, endLine: at + a.original.length, lines: [...a.change.lines] };
}

/** The anchor as found at `change` (so the next search starts there, and line numbers shown follow it). */
export function rebaseAnchor(a: FixAnchor, change: LineChange): FixAnchor {
  return { ...a, change: { startLine: change.startLine, endLine: change.endLine, lines: [...a.change.lines] } };
}

function isLines(x: unknown): x is string[] {
  return Array.isArray(x) && x.every((l) => typeof l === "string");
}

/** Validate an anchor read back from saved panel state (untrusted: a damaged one must not be applied). */
export function isFixAnchor(x: unknown): x is FixAnchor {
  if (typeof x !== "object" || x === null) return false;
  const a = x as Partial<FixAnchor>;
  const c = a.change;
  return (
    typeof c === "object" &&
    c !== null &&
    Number.isInteger(c.startLine) &&
    Number.isInteger(c.endLine) &&
    c.startLine >= 1 &&
    isLines(c.lines) &&
    isLines(a.original) &&
    c.endLine - c.startLine + 1 === a.original.length &&
    isLines(a.before) &&
    isLines(a.after)
  );
}
