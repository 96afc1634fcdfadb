// A reason taken from a dead process's stderr, made fit for a log line, an HTTP error or /v1/models: llama.cpp's
// telling line (an assert, an error), control characters escaped, and capped, since the text may come from
// inside a hostile model file.

const MAX_CHARS = 240;
const TELLING = /GGML_ASSERT|assert|error|exception|terminate|fatal|failed|abort|out of memory/i;

export function escapeControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export function capped(text: string, max = MAX_CHARS): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The most telling line of a process's stderr: the last one naming an assert or error, else the last one. */
export function tellingLine(stderr: string): string | undefined {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  const pick = [...lines].reverse().find((l) => TELLING.test(l)) ?? lines[lines.length - 1];
  return pick === undefined ? undefined : capped(escapeControl(pick));
}

/** Any message as one escaped, capped line (a validator's list of problems, joined). */
export function oneLine(text: string, max = MAX_CHARS): string {
  return capped(escapeControl(text.replace(/\s*\n\s*(- )?/g, "; ").replace(/^; /, "")), max);
}
