// A reason taken from a dead process's stderr, made fit for a log line, an HTTP error or /v1/models: llama.cpp's
// telling line (an assert, an error), control characters escaped, and capped, since the text may come from
// inside a hostile model file.

const MAX_CHARS = 240;
/** llama.cpp's assert and error lines, V8's fatal error: the cause, where the other lines are context. */
const CAUSE = /GGML_ASSERT|FATAL ERROR|error loading model|terminate called|: error:|llama_model_load: error/;
const TELLING = /assert|error|exception|fatal|failed|abort|out of memory/i;
/** A native stack frame ("3: 0xee85e7 v8::…"): never the reason. */
const FRAME = /^(\d+: 0x[0-9a-f]+|#\d+ |0x[0-9a-f]+ )/;

export function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export function capped(text: string, max = MAX_CHARS): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The most telling line of a process's stderr: the last one naming an assert or error, else the last one. */
export function tellingLine(stderr: string): string | undefined {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !FRAME.test(l))
    .reverse();
  const pick = lines.find((l) => CAUSE.test(l)) ?? lines.find((l) => TELLING.test(l)) ?? lines[0];
  // llama.cpp's asserts name the source file by the path it was built at: the file name and line are enough.
  return pick === undefined ? undefined : capped(escapeControl(pick.replace(/^\S*\/([^/\s]+:\d+:)/, "$1")));
}

/** Any message as one escaped, capped line (a validator's list of problems, joined). */
export function oneLine(text: string, max = MAX_CHARS): string {
  return capped(
    escapeControl(
      text
        .replace(/:\s*\n\s*-\s+/g, ": ")
        .replace(/\s*\n\s*(-\s+)?/g, "; ")
        .replace(/^; /, ""),
    ),
    max,
  );
}
