// Scoring held-out files under one row of `chorus bench quality` (a single model, a mix or a merged model — all
// through a Mixer, a single model being a product of one): bits per byte with the exact mixed distribution
// (mixer.score reads every lane's whole vocabulary, temperature 1), and next-line exact match by greedy decoding.
//
// A file longer than the window is scored in consecutive pieces. Each piece is preceded by up to `contextBytes` of
// the file's text before it, passed as the request's context: lanes that read the context see it before the piece
// (for every strategy but context-contrastive decoding that is the same as one longer prompt), and
// context-contrastive decoding contrasts the piece with and without it. A file's first piece has no text before it;
// with an empty context both of its lanes read the same tokens and the mix is exactly the model alone, so that
// piece is scored by `noContext` (the plain model) — the formula's value, not an approximation.
import type { Mixer } from "../sidecar/mixing/mixer";
import { tailByBytes, utf8Bytes, type HeldOutText } from "./quality-data";

export interface ScoringWindow {
  /** Bytes of preceding text given as context (at most). */
  contextBytes: number;
  /** Bytes scored per request (at most). */
  pieceBytes: number;
}

/** Window for a model context of `tokens`: a quarter is context, the rest the scored piece (one token for BOS). */
export function scoringWindow(tokens: number): ScoringWindow {
  if (!Number.isInteger(tokens) || tokens < 16) throw new Error(`the scoring window must be at least 16 tokens, not ${tokens}`);
  const contextBytes = Math.floor(tokens / 4);
  return { contextBytes, pieceBytes: tokens - contextBytes - 2 };
}

/** The mixer for a row, and the one for text with no context (context-contrastive decoding: the plain model). */
export interface RowMixers {
  main: Mixer;
  noContext?: Mixer;
}

export interface TextScore {
  /** Σ −log₂ p over the scored bytes' tokens (finite part). */
  bits: number;
  /** UTF-8 bytes scored. */
  bytes: number;
  tokens: number;
  /** Tokens the row gives probability 0 (contrastive decoding's plausibility cut); their bits are infinite. */
  ruledOut: number;
}

export const emptyScore = (): TextScore => ({ bits: 0, bytes: 0, tokens: 0, ruledOut: 0 });

export function addScores(a: TextScore, b: TextScore): TextScore {
  return { bits: a.bits + b.bits, bytes: a.bytes + b.bytes, tokens: a.tokens + b.tokens, ruledOut: a.ruledOut + b.ruledOut };
}

/** Bits per byte, or null when some scored token had probability 0 (infinite bits). */
export function bitsPerByte(s: TextScore): number | null {
  return s.ruledOut > 0 || s.bytes === 0 ? null : s.bits / s.bytes;
}

/** `text` cut into pieces of at most `maxBytes` UTF-8 bytes, between characters. */
export function piecesByBytes(text: string, maxBytes: number): string[] {
  const pieces: string[] = [];
  let current = "";
  let bytes = 0;
  for (const ch of text) {
    const n = utf8Bytes(ch);
    if (bytes + n > maxBytes && current) {
      pieces.push(current);
      current = "";
      bytes = 0;
    }
    current += ch;
    bytes += n;
  }
  if (current) pieces.push(current);
  return pieces;
}

function pickMixer(m: RowMixers, context: string): Mixer {
  return context === "" && m.noContext ? m.noContext : m.main;
}

export async function scoreTexts(m: RowMixers, texts: readonly HeldOutText[], w: ScoringWindow, signal?: AbortSignal): Promise<TextScore> {
  let total = emptyScore();
  for (const { text } of texts) {
    let before = "";
    for (const piece of piecesByBytes(text, w.pieceBytes)) {
      signal?.throwIfAborted();
      const context = tailByBytes(before, w.contextBytes);
      const r = await pickMixer(m, context).score({ text: piece, context });
      if (r.unscored.length > 0) throw new Error("the models have no start token, so a piece's first byte would go unscored; this benchmark needs one");
      let bits = 0;
      let ruledOut = 0;
      for (const lp of r.logprobs) {
        if (lp === -Infinity) ruledOut++;
        else bits -= lp / Math.LN2;
      }
      total = addScores(total, { bits, bytes: utf8Bytes(piece), tokens: r.logprobs.length, ruledOut });
      before += piece;
    }
  }
  return total;
}

export interface NextLineCase {
  /** The file's text before the line (its last part is the prompt). */
  before: string;
  /** The line, without its newline. */
  line: string;
}

/**
 * Up to `count` lines to complete, spread evenly over the texts: each follows a newline, has a non-blank line to
 * write (at most `maxBytes` bytes, so greedy decoding can finish it) and is not the file's first line.
 */
export function nextLineCases(texts: readonly HeldOutText[], count: number, maxBytes: number): NextLineCase[] {
  const all: NextLineCase[] = [];
  for (const { text } of texts) {
    let start = text.indexOf("\n") + 1;
    while (start > 0 && start < text.length) {
      const end = text.indexOf("\n", start);
      if (end < 0) break;
      const line = text.slice(start, end);
      if (line.trim().length >= 3 && utf8Bytes(line) < maxBytes) all.push({ before: text.slice(0, start), line });
      start = end + 1;
    }
  }
  if (all.length <= count) return all;
  return Array.from({ length: count }, (_, i) => all[Math.floor(((i + 0.5) * all.length) / count)]!);
}

/** How many lines greedy decoding writes exactly (up to its newline), each after its text's last window of bytes. */
export async function nextLineExact(m: RowMixers, cases: readonly NextLineCase[], w: ScoringWindow, maxTokens: number, signal?: AbortSignal): Promise<number> {
  let exact = 0;
  for (const c of cases) {
    signal?.throwIfAborted();
    const recent = tailByBytes(c.before, w.pieceBytes - maxTokens);
    const context = tailByBytes(c.before.slice(0, c.before.length - recent.length), w.contextBytes);
    const r = await pickMixer(m, context).generate({ prompt: recent, context, maxTokens, stop: ["\n"], sampling: { temperature: 0 } });
    if (r.text === c.line) exact++;
  }
  return exact;
}
