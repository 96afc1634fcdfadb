// Turning chosen tokens back into streamed text. Two things make this more than detokenize-per-token:
// a byte-level token may be half of a UTF-8 character (hold it until the character is whole), and a stop string
// may arrive split across tokens (hold back any tail that could still become a stop string, so a client never sees
// text that is later cut). Each token may carry an entry (its logprobs) that goes out with the first character of
// its text, so an entry is never streamed for text that a stop string later cuts.

import type { LlamaModel, Token } from "node-llama-cpp";
import type { TokenId } from "./distribution";

/** A half-finished UTF-8 character never needs more than 4 byte tokens. */
const MAX_PENDING = 4;
/** How many earlier tokens the detokenizer sees, so spacing at token boundaries comes out right. */
const LOOKBEHIND = 8;

export type Detokenize = (tokens: readonly TokenId[], lastTokens: readonly TokenId[]) => string;
/** A token's text when it follows other text (cached by the caller: this is the per-token fast path). */
export type TokenPiece = (token: TokenId) => string;

/** Text now safe to stream, with the entries of the tokens whose text starts in it (or before it). */
export interface Released<E> {
  delta: string;
  entries: E[];
}

export class TextAssembler<E = never> {
  private text = "";
  private emitted = 0;
  private pending: TokenId[] = [];
  /** Entries not yet released, each with the offset in the text where its token's text starts. */
  private entries: { entry: E; start: number }[] = [];
  private committed: TokenId[] = [];
  private stopped = false;
  private readonly longestStop: number;

  /**
   * `before`: the prompt's last tokens, so the first generated token is detokenized as a continuation (SentencePiece
   * drops a leading space at the very start of a text). `piece`: when given, a token that is a whole character on
   * its own is appended from it without calling the detokenizer.
   */
  constructor(
    private readonly detokenize: Detokenize,
    private readonly stops: readonly string[],
    before: readonly TokenId[] = [],
    private readonly piece?: TokenPiece,
  ) {
    this.longestStop = Math.max(0, ...stops.map((s) => s.length));
    this.committed = before.slice(-LOOKBEHIND);
  }

  /**
   * Add a token (and its entry); returns the text now safe to stream, the entries released with it, and whether a
   * stop string ended the text. After a stop, the entries of tokens whose text lies wholly in the cut are dropped.
   */
  push(token: TokenId, entry?: E): Released<E> & { stopped: boolean } {
    if (this.stopped) return { delta: "", entries: [], stopped: true };
    // A held token's text starts where the text ends now: the bytes of one character commit together.
    if (entry !== undefined) this.entries.push({ entry, start: this.text.length });
    if (this.pending.length === 0 && this.piece) {
      const whole = this.piece(token);
      if (!whole.includes("\uFFFD")) {
        this.pending.push(token);
        this.commit(whole);
        return { ...this.release(false), stopped: this.stopped };
      }
    }
    this.pending.push(token);
    const piece = this.detokenize(this.pending, this.committed.slice(-LOOKBEHIND));
    if (piece.endsWith("\uFFFD") && this.pending.length < MAX_PENDING) return { delta: "", entries: [], stopped: false };
    this.commit(piece);
    return { ...this.release(false), stopped: this.stopped };
  }

  /** End of generation: release everything still held (a partial character is released as it is). */
  finish(): Released<E> {
    if (!this.stopped && this.pending.length > 0) this.commit(this.detokenize(this.pending, this.committed.slice(-LOOKBEHIND)));
    return this.release(true);
  }

  get fullText(): string {
    return this.text;
  }

  private commit(piece: string): void {
    const searchFrom = Math.max(0, this.text.length - this.longestStop);
    this.text += piece;
    for (const t of this.pending) this.committed.push(t);
    if (this.committed.length > 4 * LOOKBEHIND) this.committed = this.committed.slice(-LOOKBEHIND);
    this.pending = [];
    let cut = -1;
    for (const s of this.stops) {
      const at = this.text.indexOf(s, searchFrom);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      this.text = this.text.slice(0, cut);
      this.stopped = true;
    }
  }

  private release(all: boolean): Released<E> {
    let safe = this.text.length;
    if (!all && !this.stopped) safe -= this.heldTail();
    const delta = this.text.slice(this.emitted, Math.max(this.emitted, safe));
    this.emitted = Math.max(this.emitted, safe);
    // An entry goes with the first character of its token's text; at the end (or a stop) every entry whose text
    // is still in the reply goes, and those wholly in the cut are dropped. Entries are in text order, so the ones
    // that go are a head of the queue.
    const upTo = all && !this.stopped ? Infinity : this.emitted;
    let n = 0;
    while (n < this.entries.length && this.entries[n]!.start < upTo) n++;
    const out = n === 0 ? [] : this.entries.splice(0, n).map((e) => e.entry);
    if (this.stopped || all) this.entries.length = 0;
    return { delta, entries: out };
  }

  /** Length of the longest tail of the text that is a proper prefix of some stop string. */
  private heldTail(): number {
    let held = 0;
    for (const s of this.stops)
      for (let k = Math.min(s.length - 1, this.text.length); k > held; k--)
        if (this.text.endsWith(s.slice(0, k))) {
          held = k;
          break;
        }
    return held;
  }
}

/** How a decode turns one model's tokens into text: detokenize with context, a cached per-token piece, and its end tokens. */
export function textOfModel(model: LlamaModel): { detokenize: Detokenize; piece: TokenPiece; isEndOfGeneration: (t: TokenId) => boolean } {
  // Token id → its text as a continuation (the token after itself), so streaming costs no detokenizer call per token.
  const pieces = new Map<TokenId, string>();
  return {
    detokenize: (tokens, last) => model.detokenize(tokens as Token[], false, last as Token[]),
    piece: (t) => {
      let text = pieces.get(t);
      if (text === undefined) pieces.set(t, (text = model.detokenize([t as Token], false, [t as Token])));
      return text;
    },
    isEndOfGeneration: (t) => model.isEogToken(t as Token),
  };
}
