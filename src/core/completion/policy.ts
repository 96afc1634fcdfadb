// When to complete, how much, and how to clean a model's reply before it becomes ghost text.

export type MultilinePolicy = "auto" | "always" | "never";

export interface CursorShape {
  /** Only whitespace or closing brackets/quotes after the cursor on its line. */
  atLineEnd: boolean;
  multiline: boolean;
  /** Why no request should be made, if none should. */
  skip?: string;
}

const CLOSERS = /^[\s)\]}>"'`;,]*$/;
/** What String.prototype.trim() removes is exactly \s, so "no \S" is "trims to empty". */
const NON_SPACE = /\S/;
const BLOCK_OPENER = /[{([:]\s*$|=>\s*$|\b(do|then|else)\s*$/;

export function cursorShape(prefix: string, suffix: string, policy: MultilinePolicy = "auto"): CursorShape {
  const lineBefore = prefix.slice(prefix.lastIndexOf("\n") + 1);
  const nl = suffix.indexOf("\n");
  const lineAfter = nl < 0 ? suffix : suffix.slice(0, nl);
  const atLineEnd = CLOSERS.test(lineAfter);
  if (!atLineEnd) return { atLineEnd, multiline: false, skip: "the cursor is in the middle of a line" };
  // Runs on every keystroke over the whole file before the cursor: look at lines, never trim or split the file.
  if (!NON_SPACE.test(prefix)) return { atLineEnd, multiline: false, skip: "the file is empty before the cursor" };
  if (policy !== "auto") return { atLineEnd, multiline: policy === "always" };
  // A blank line or the start of a block is where a whole body is wanted; mid-statement, the rest of the line.
  const prevEnd = Math.max(0, prefix.length - lineBefore.length - 1);
  const prevLine = prefix.slice(prefix.lastIndexOf("\n", prevEnd - 1) + 1, prevEnd);
  const multiline = lineBefore.trim() === "" ? BLOCK_OPENER.test(prevLine) || prevLine.trim() === "" : BLOCK_OPENER.test(lineBefore);
  return { atLineEnd, multiline };
}

/** Clean a reply: one line when single-line, no text the suffix already has, no trailing blank lines. */
export function cleanCompletion(text: string, suffix: string, multiline: boolean): string {
  let t = multiline ? text : (text.split("\n")[0] ?? "");
  t = t.replace(/\s+$/, multiline ? "" : "");
  const lineAfter = suffix.split("\n")[0]?.trim() ?? "";
  // Models often repeat the closing brackets that already follow the cursor.
  if (lineAfter && t.trimEnd().endsWith(lineAfter)) t = t.trimEnd().slice(0, -lineAfter.length);
  if (multiline) {
    const nextLines = suffix.replace(/^[^\n]*\n/, "").trimStart();
    const firstNext = nextLines.split("\n")[0]?.trim();
    if (firstNext && firstNext.length > 1) {
      const lines = t.split("\n");
      const at = lines.findIndex((l, i) => i > 0 && l.trim() === firstNext);
      if (at > 0) t = lines.slice(0, at).join("\n");
    }
  }
  return t.replace(/\s+$/, "");
}
