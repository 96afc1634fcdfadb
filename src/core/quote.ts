// Quoting text that came from outside — a GGUF's keys and tensor names, a server's error body, a field of a request
// — inside a message meant for a person. Such text may be huge (a 100 KB tensor name, a 120 KB HTML error page) or
// hostile (ESC sequences that clear a terminal or retitle its window, bidi overrides that reorder what is shown),
// so every message that quotes it goes through here: control characters are escaped and the length is capped.
// A leaf module with no imports: the sidecar, the CLI and the providers all use it.

/** Characters of outside text a message quotes before it says how much more there was. */
export const QUOTE_MAX_CHARS = 200;

// C0 controls, DEL, C1 controls (U+009B is a one-byte CSI in some terminals), the line/paragraph separators, and
// the bidi embeddings, overrides and isolates ("Trojan Source", CVE-2021-42574).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`);
}

/** At most `max` UTF-16 units of `text`, never ending inside a surrogate pair. */
function head(text: string, max: number): string {
  const end = max > 0 && /[\ud800-\udbff]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return text.slice(0, end);
}

/**
 * `text` made safe to print: control and bidi characters escaped (\n, \x1b, \u202e), and cut after `max`
 * characters with a note of how many more there were. Escaping happens after the cut, so it costs O(max).
 */
export function safeText(text: string, max = QUOTE_MAX_CHARS): string {
  const kept = text.length > max ? head(text, max) : text;
  const escaped = kept.replace(UNSAFE, escapeChar);
  return kept.length < text.length ? `${escaped}… (${text.length - kept.length} more characters)` : escaped;
}

/** `text` in double quotes, made safe and capped as safeText does (for names: "tensor \"blk.0…\""). */
export function quoteText(text: string, max = QUOTE_MAX_CHARS): string {
  return `"${safeText(text, max).replace(/"/g, '\\"')}"`;
}

/**
 * Any value (a field of a JSON body) as a short JSON-like snippet for an error message: strings quoted and
 * escaped, arrays and objects shown a few levels deep and a few entries long. Never throws — JSON.stringify
 * overflows the stack on a value nested 100,000 deep and would quote a 7 MB array whole.
 */
export function quoteValue(value: unknown, max = QUOTE_MAX_CHARS): string {
  const out = snippet(value, 0, max);
  return out.length > max ? `${head(out, max)}…` : out;
}

const MAX_DEPTH = 3;

function snippet(v: unknown, depth: number, budget: number): string {
  if (typeof v === "string") return quoteText(v, Math.max(8, budget));
  if (v === null || typeof v === "number" || typeof v === "boolean") return String(v);
  if (v === undefined) return "undefined";
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v !== "object") return `(${typeof v})`;
  const isArray = Array.isArray(v);
  const [open, close] = isArray ? ["[", "]"] : ["{", "}"];
  if (depth >= MAX_DEPTH) return `${open}…${close}`;
  const parts: string[] = [];
  let used = 2;
  const entries = isArray ? (v as unknown[]).keys() : Object.keys(v).values();
  for (const k of entries) {
    if (used >= budget) {
      parts.push("…");
      break;
    }
    const item = isArray ? (v as unknown[])[k as number] : (v as Record<string, unknown>)[k as string];
    const text = isArray ? snippet(item, depth + 1, budget - used) : `${quoteText(String(k), 40)}:${snippet(item, depth + 1, budget - used)}`;
    parts.push(text);
    used += text.length + 1;
  }
  return `${open}${parts.join(",")}${close}`;
}

/** Characters an error message may have before its middle is cut out. */
export const MESSAGE_MAX_CHARS = 1000;

/**
 * A whole error message that may hold outside text (a GGUF's tensor names, a server's error page) made safe to
 * print: control and bidi characters escaped, and a message over `max` characters cut in the middle, so that both
 * what failed (the start) and what to do (the end) survive.
 */
export function safeMessage(message: string, max = MESSAGE_MAX_CHARS): string {
  if (message.length <= max) return message.replace(UNSAFE, escapeChar);
  const tailLength = Math.floor(max * 0.4);
  let tailStart = message.length - tailLength;
  if (/[\udc00-\udfff]/.test(message.charAt(tailStart))) tailStart++; // never start inside a surrogate pair
  const start = head(message, max - tailLength);
  const cut = tailStart - start.length;
  return `${start.replace(UNSAFE, escapeChar)} …(${cut} characters cut)… ${message.slice(tailStart).replace(UNSAFE, escapeChar)}`;
}
