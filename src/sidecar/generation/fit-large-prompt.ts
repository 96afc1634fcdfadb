// Fitting a large prompt without holding the event loop. Tokenizing is synchronous native work (node-llama-cpp's
// model.tokenize): the plain bisection of fit-prompt.ts tokenizes up to the whole prompt at every step, which for a
// 7.5 MB prompt held the sidecar's event loop for 6–12 s — every other request waited (issue #22).
//
// Here the text is first measured from the cursor outwards in pieces of at most PIECE_CHARS characters, yielding
// to the event loop after each piece, and only until the estimate is well past the limit: lines beyond that cannot
// fit. The exact bisection of fit-prompt.ts then runs over the lines within reach only, so every exact
// tokenization is of a text near the limit's size. Each piece's count is an estimate (pieces are tokenized apart,
// and the prompt's template adds a few tokens); the slack of ESTIMATE_SLACK covers that with room to spare, so the
// result is the one the plain bisection gives (test/unit/sidecar/fit-large-prompt.test.ts checks both ways).

import { fitByLines, type PromptParts } from "./fit-prompt";

/** Prompts up to this many characters are tokenized whole at once: a few milliseconds at most. */
export const SYNC_FIT_CHARS = 32 * 1024;
/** Characters tokenized in one synchronous call while measuring. */
const PIECE_CHARS = 4 * 1024;

/** How far past the limit an estimate may be and still be checked exactly: 25% plus a fixed 64 tokens. */
export function estimateCeiling(limit: number): number {
  return Math.ceil(limit * 1.25) + 64;
}

export interface PromptMeasure {
  /** Exact tokens of a prompt made of these parts (tokenizes all of it: only called on texts near the limit). */
  size(p: PromptParts): number;
  /** Tokens of one piece of text on its own: the estimate. */
  count(text: string): number;
}

const pause = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Estimated tokens of `text`, counted in pieces with a yield after each, stopping once above `budget`. */
export async function countUpTo(text: string, budget: number, count: (text: string) => number): Promise<number> {
  let tokens = 0;
  for (let at = 0; at < text.length && tokens <= budget; at += PIECE_CHARS) {
    tokens += count(sliceUnits(text, at, at + PIECE_CHARS));
    await pause();
  }
  return tokens;
}

/** text.slice(start, end), with both ends moved off the middle of a surrogate pair. */
function sliceUnits(text: string, start: number, end: number): string {
  const low = (i: number) => i > 0 && i < text.length && /[\udc00-\udfff]/.test(text.charAt(i));
  return text.slice(low(start) ? start - 1 : start, low(end) ? end - 1 : end);
}

/** Where the line that ends at `end` starts (lines keep their "\n", as in fit-prompt.ts). */
function lineStart(text: string, end: number): number {
  return end >= 2 ? text.lastIndexOf("\n", end - 2) + 1 : 0;
}

/** Where the line that starts at `start` ends. */
function lineEnd(text: string, start: number): number {
  const nl = text.indexOf("\n", start);
  return nl === -1 ? text.length : nl + 1;
}

interface Reach {
  /** cuts[k]: the offset that keeps k whole lines (from the end: text.slice(cut); from the start: text.slice(0, cut)). */
  cuts: number[];
  tokens: number;
  /** Every line of the text is within reach. */
  all: boolean;
}

/**
 * The whole lines of `text`, from one end, that an estimate of `budget` tokens reaches: lines are taken in groups
 * of up to PIECE_CHARS characters, each group counted alone; the group that crosses the budget is still in reach
 * (it is small), a single longer line that crosses it is not.
 */
async function linesInReach(text: string, fromEnd: boolean, budget: number, count: (text: string) => number): Promise<Reach> {
  const cuts = [fromEnd ? text.length : 0];
  let tokens = 0;
  let edge = cuts[0]!;
  const done = () => (fromEnd ? edge === 0 : edge === text.length);
  while (!done() && tokens <= budget) {
    const group: number[] = [];
    let groupEdge = edge;
    for (;;) {
      const next = fromEnd ? lineStart(text, groupEdge) : lineEnd(text, groupEdge);
      // A long line after short ones starts a group of its own, where it is counted in pieces.
      if (group.length > 0 && Math.abs(next - edge) > PIECE_CHARS) break;
      group.push(next);
      groupEdge = next;
      if (Math.abs(groupEdge - edge) >= PIECE_CHARS || (fromEnd ? groupEdge === 0 : groupEdge === text.length)) break;
    }
    const piece = fromEnd ? text.slice(groupEdge, edge) : text.slice(edge, groupEdge);
    const longLine = group.length === 1 && piece.length > PIECE_CHARS;
    const n = longLine ? await countUpTo(piece, budget - tokens, count) : count(piece);
    if (!longLine) await pause();
    tokens += n;
    if (longLine && tokens > budget) break;
    cuts.push(...group);
    edge = groupEdge;
  }
  return { cuts, tokens, all: done() };
}

/** The largest k in [lo, hi] with fits(k), fits being true up to some k and false after; undefined if none. */
async function largestFitting(lo: number, hi: number, fits: (k: number) => boolean): Promise<number | undefined> {
  if (hi < lo || !fits(lo)) return undefined;
  while (lo < hi) {
    await pause();
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * fitByLines (fit-prompt.ts) for a prompt of any size: the same whole-line cut, found without tokenizing more than
 * PIECE_CHARS characters or a text near the limit's size in any one synchronous call.
 */
export async function fitByLinesIncrementally(parts: PromptParts, limit: number, m: PromptMeasure): Promise<PromptParts | undefined> {
  const ceiling = estimateCeiling(limit);
  const { prefix, suffix } = parts;
  // First the oldest prefix lines go, the whole suffix staying.
  const wholeSuffix = await linesInReach(suffix, false, ceiling, m.count);
  if (wholeSuffix.all && wholeSuffix.tokens <= ceiling) {
    const reach = await linesInReach(prefix, true, ceiling - wholeSuffix.tokens, m.count);
    const keep = (n: number): PromptParts => ({ prefix: prefix.slice(reach.cuts[n]), suffix });
    const most = reach.cuts.length - 1;
    await pause();
    if (reach.all && most >= 1 && m.size(parts) <= limit) return parts;
    const n = await largestFitting(1, most, (k) => m.size(keep(k)) <= limit);
    if (n !== undefined) return keep(n);
  }
  // Then the cursor's line alone, with as many of the suffix's first lines as fit.
  const cursorLine = prefix.slice(lineStart(prefix, prefix.length));
  const cursorTokens = await countUpTo(cursorLine, ceiling, m.count);
  if (cursorTokens > ceiling) return undefined;
  const reach = await linesInReach(suffix, false, ceiling - cursorTokens, m.count);
  const keep = (k: number): PromptParts => ({ prefix: cursorLine, suffix: suffix.slice(0, reach.cuts[k]) });
  const k = await largestFitting(0, reach.cuts.length - 1, (j) => m.size(keep(j)) <= limit);
  return k === undefined ? undefined : keep(k);
}

export interface PromptBuilder<T> {
  /** The prompt made of these parts (tokenizes them). */
  build(p: PromptParts): T;
  /** Its size in tokens. */
  tokens(prompt: T): number;
  /** Tokens of one piece of text on its own. */
  count(text: string): number;
  /** The prompt leaves the suffix out (a model without fill-in-the-middle tokens): it costs no tokens. */
  ignoresSuffix?: boolean;
}

/** A prompt built, or, for a large one, the words for how many tokens it has when it cannot fit (for the refusal). */
export type BuiltPrompt<T> = { prompt: T } | { tooLong: string };

/**
 * A prompt built from `parts`; with a `limit` (truncate_prompt_tokens), its whole lines fitted as fitByLines does.
 * Up to SYNC_FIT_CHARS characters this is fitByLines itself, and a prompt that fits is tokenized once (as on every
 * inline completion); a prompt that does not fit even fitted is built whole, for the caller's usual refusal. A
 * larger prompt is measured in pieces first, and one that cannot fit is refused without tokenizing all of it.
 */
export async function buildFittedPrompt<T>(parts: PromptParts, limit: number | undefined, contextSize: number, b: PromptBuilder<T>): Promise<BuiltPrompt<T>> {
  const size = (p: PromptParts) => b.tokens(b.build(p));
  if (parts.prefix.length + parts.suffix.length <= SYNC_FIT_CHARS) {
    const whole = b.build(parts);
    if (limit === undefined || b.tokens(whole) <= limit) return { prompt: whole };
    const fitted = fitByLines(parts, limit, size);
    return { prompt: fitted ? b.build(fitted) : whole };
  }
  // A suffix the prompt leaves out is kept whole, as fitByLines keeps it (it never changes the size).
  const counted = b.ignoresSuffix ? { prefix: parts.prefix, suffix: "" } : parts;
  if (limit === undefined) {
    const ceiling = estimateCeiling(contextSize);
    const estimate = (await countUpTo(counted.prefix, ceiling, b.count)) + (await countUpTo(counted.suffix, ceiling, b.count));
    return estimate > ceiling ? { tooLong: `more than ${ceiling}` } : { prompt: b.build(parts) };
  }
  const fitted = await fitByLinesIncrementally(counted, limit, { size, count: b.count });
  if (!fitted) return { tooLong: `more than ${limit} (the line at the cursor alone)` };
  return { prompt: b.build(b.ignoresSuffix ? { prefix: fitted.prefix, suffix: parts.suffix } : fitted) };
}
