// Turning chosen tokens back into streamed text. Two things make this more than detokenize-per-token:
// a byte-level token may be half of a UTF-8 character (hold it until the character is whole), and a stop string
// may arrive split across tokens (hold back any tail that could still become a stop string, so a client never sees
// text that is later cut).

import type { TokenId } from "./distribution";

/** A half-finished UTF-8 character never needs more than 4 byte tokens. */
const MAX_PENDING = 4;
/** How many earlier tokens the detokenizer sees, so spacing at token boundaries comes out right. */
const LOOKBEHIND = 8;

export type Detokenize = (tokens: readonly TokenId[], lastTokens: readonly TokenId[]) => string;
/** A token's text when it follows other text (cached by the caller: this is the per-token fast path). */
export type TokenPiece = (token: TokenId) => string;

export class TextAssembler {
  private text = "";
  private emitted = 0;
  private pending: TokenId[] = [];
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

  /** Add a token; returns the text now safe to stream and whether a stop string ended the text. */
  push(token: TokenId): { delta: string; stopped: boolean } {
    if (this.stopped) return { delta: "", stopped: true };
    if (this.pending.length === 0 && this.piece) {
      const whole = this.piece(token);
      if (!whole.includes("\uFFFD")) {
        this.pending.push(token);
        this.commit(whole);
        return { delta: this.release(false), stopped: this.stopped };
      }
    }
    this.pending.push(token);
    const piece = this.detokenize(this.pending, this.committed.slice(-LOOKBEHIND));
    if (piece.endsWith("\uFFFD") && this.pending.length < MAX_PENDING) return { delta: "", stopped: false };
    this.commit(piece);
    return { delta: this.release(false), stopped: this.stopped };
  }

  /** End of generation: release everything still held (a partial character is released as it is). */
  finish(): string {
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

  private release(all: boolean): string {
    let safe = this.text.length;
    if (!all && !this.stopped) safe -= this.heldTail();
    const delta = this.text.slice(this.emitted, Math.max(this.emitted, safe));
    this.emitted = Math.max(this.emitted, safe);
    return delta;
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
