// Draft tokens for lookahead decoding, taken from the text itself ("prompt lookup"): where the last two tokens
// occurred before — in the file the prompt carries, or in what was generated — the tokens that followed them then
// are a guess at what follows now. Code repeats itself (identifiers, call shapes, whole lines), so the guess is often
// right, and checking a guess costs the lanes one batched evaluation instead of one evaluation per token.
// A guess never changes what is written: the decoder keeps only the drafts its own choices confirm.
//
// Lookahead decides how many to guess: guesses that keep holding get longer (up to the setting), a miss shortens
// them, and a guess that misses outright pauses guessing for a few steps, since each wrong draft costs its share
// of the lanes' batch and a read-out.

import { quoteValue } from "../../core/quote";
import type { TokenId } from "./distribution";

export class PromptLookup {
  private readonly history: TokenId[] = [];
  /** (previous token, token) → the index of the most recent such token in `history`. */
  private readonly lastSeen = new Map<number, number>();

  constructor(private readonly vocabSize: number) {}

  /** Append tokens to the history (the prompt once, then each written token). */
  push(tokens: readonly TokenId[]): void {
    for (const t of tokens) {
      const i = this.history.length;
      this.history.push(t);
      // The pair ending just before t is indexed now that its follower is known; the newest pair stays out of
      // the index until then, so a lookup never finds the suffix it is looking up.
      if (i >= 2) this.lastSeen.set(this.key(this.history[i - 2]!, this.history[i - 1]!), i - 1);
    }
  }

  /** `max` tokens that followed the last two tokens where they were last seen; [] when they were not. */
  propose(max: number): TokenId[] {
    const n = this.history.length;
    if (max <= 0 || n < 2) return [];
    const at = this.lastSeen.get(this.key(this.history[n - 2]!, this.history[n - 1]!));
    if (at === undefined) return [];
    // Copy forward from there; a copy that reaches the end goes on with what it copied (as in LZ77), so a short
    // cycle — a repeated line, a model stuck in a loop — is continued for the whole length.
    const drafts: TokenId[] = [];
    for (let i = at + 1; drafts.length < max; i++) drafts.push(i < n ? this.history[i]! : drafts[i - n]!);
    return drafts;
  }

  private key(a: TokenId, b: TokenId): number {
    return a * this.vocabSize + b;
  }
}

const REST_AFTER_MISS = 4;
/** Drafts a step checks unless a request or setting says otherwise. */
export const DEFAULT_LOOKAHEAD = 4;
export const MAX_LOOKAHEAD = 16;

/** A lookahead setting from outside: a whole number from 0 to MAX_LOOKAHEAD, or an error that says so. */
export function checkLookahead(n: unknown): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > MAX_LOOKAHEAD)
    throw new LookaheadError(`lookahead must be an integer from 0 to ${MAX_LOOKAHEAD}, not ${quoteValue(n)}`);
  return n;
}

export class LookaheadError extends Error {
  override readonly name = "LookaheadError";
}

export class Lookahead {
  private readonly lookup: PromptLookup | undefined;
  private length: number;
  /** Steps left without drafts after a guess that missed outright. */
  private resting = 0;
  proposedTotal = 0;
  acceptedTotal = 0;

  /** `max` = 0 turns lookahead off. `history` = the prompt's tokens. */
  constructor(
    private readonly max: number,
    vocabSize: number,
    history: readonly TokenId[],
  ) {
    this.length = max;
    if (max > 0) {
      this.lookup = new PromptLookup(vocabSize);
      this.lookup.push(history);
    }
  }

  /** A token the decoder wrote (a confirmed draft too). */
  written(token: TokenId): void {
    this.lookup?.push([token]);
  }

  /** Drafts for the next step, at most `room`. */
  propose(room: number): TokenId[] {
    if (!this.lookup || room <= 0) return [];
    if (this.resting > 0) {
      this.resting--;
      return [];
    }
    const drafts = this.lookup.propose(Math.min(this.length, room));
    this.proposedTotal += drafts.length;
    return drafts;
  }

  /** How many of the last step's `proposed` drafts the decoder confirmed. */
  confirmed(proposed: number, accepted: number): void {
    if (proposed === 0) return;
    this.acceptedTotal += accepted;
    if (accepted === proposed) this.length = Math.min(this.max, this.length * 2);
    else if (accepted > 0) this.length = accepted + 1;
    else {
      // Text the lookup does not predict: stop guessing for a few steps, then try one draft again.
      this.length = 1;
      this.resting = REST_AFTER_MISS;
    }
  }
}
