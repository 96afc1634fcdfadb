// Whether a completion looks like TypeScript a person could have written, for the demo's UI test: the check that
// the byte-level bigram models' output (issue #21: `erererer…` after `export function sub`, U+FFFD runs) fails and
// a small transformer trained on code passes. Deliberately loose about what the code says, strict about noise.

/** Printable ASCII, tabs and newlines: what code is written in (a byte-level model's noise is mostly not). */
const PRINTABLE = /[\x20-\x7e\t\n]/;
/** Tokens TypeScript code is made of: punctuation and operators. */
const PUNCTUATION = /[(){}[\];:=,.<>"'`+\-*/!?&|]/;
const KEYWORDS =
  /\b(const|let|var|return|function|export|import|from|if|else|for|while|new|this|type|interface|class|async|await|number|string|boolean|true|false|null|undefined)\b/;

export interface CodeLikeVerdict {
  ok: boolean;
  /** Why it is not code-like, in words (empty when it is). */
  why: string[];
}

export function codeLike(text: string): CodeLikeVerdict {
  const why: string[] = [];
  const chars = [...text];
  const printable = chars.filter((c) => PRINTABLE.test(c)).length / Math.max(1, chars.length);
  if (text.trim().length < 3) why.push(`too short (${JSON.stringify(text)})`);
  if (printable < 0.9) why.push(`only ${Math.round(printable * 100)}% printable`);
  // A short unit (not blanks: indentation repeats legitimately) repeated four or more times in a row: "erererer".
  const repeated = /([^\s]{1,4}|[^\s][\s\S]{0,3})\1{3,}/.exec(text);
  if (repeated && repeated[1]!.trim()) why.push(`"${repeated[1]}" repeated over and over`);
  const identifiers = text.match(/[A-Za-z_$][A-Za-z0-9_$]+/g) ?? [];
  if (identifiers.length === 0) why.push("no identifier or keyword");
  if (!PUNCTUATION.test(text) && !KEYWORDS.test(text)) why.push("no TypeScript punctuation or keyword");
  return { ok: why.length === 0, why };
}
