// A judge's free-text verdict goes through Markdown like every model text, but prose is often indented (a summary
// lifted out of a JSON string, or a reply indented under a heading), and Markdown turns a line indented four
// spaces into a code block: the verdict came out as monospace code. Outside fenced blocks, indentation is capped
// below four spaces, which keeps lists (nested items need two) and leaves fenced code as it was.

const FENCE = /^\s*(```|~~~)/;
const MAX_INDENT = 3;

export function proseForMarkdown(text: string): string {
  let inFence = false;
  return text
    .split("\n")
    .map((line) => {
      if (FENCE.test(line)) {
        inFence = !inFence;
        return line.trimStart();
      }
      if (inFence) return line;
      const indent = /^[ \t]*/.exec(line)?.[0].replace(/\t/g, "    ").length ?? 0;
      return indent > MAX_INDENT ? " ".repeat(MAX_INDENT) + line.trimStart() : line;
    })
    .join("\n");
}

/** "line 2" for one line, "lines 2–4" for several. */
export function lineLabel(lines: { start: number; end: number }): string {
  return lines.end > lines.start ? `lines ${lines.start}–${lines.end}` : `line ${lines.start}`;
}
