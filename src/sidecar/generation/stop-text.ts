// Turns generated pieces into the text a client may see: a stop sequence ends the reply and is never shown, and
// text that might be the start of a stop sequence is held back until it is clear that it is not. Each token's
// log-probability entry travels with the text it produced.

export interface LogprobEntry {
  token: string;
  logprob: number;
  top: { token: string; logprob: number }[];
}

export interface Released {
  text: string;
  logprobs: LogprobEntry[];
  /** A stop sequence was reached: nothing more may be emitted. */
  stopped: boolean;
}

export class StopSequenceFilter {
  private pending = "";
  private entries: { entry: LogprobEntry; start: number; end: number }[] = [];
  private readonly stops: string[];

  constructor(stops: readonly string[]) {
    this.stops = stops.filter((s) => s.length > 0);
  }

  push(text: string, entry?: LogprobEntry): Released {
    const start = this.pending.length;
    this.pending += text;
    if (entry) this.entries.push({ entry, start, end: this.pending.length });
    // A stop sequence cannot straddle released text: its beginning would have been held back.
    let at = -1;
    for (const s of this.stops) {
      const i = this.pending.indexOf(s);
      if (i >= 0 && (at < 0 || i < at)) at = i;
    }
    if (at >= 0) {
      const out = { text: this.pending.slice(0, at), logprobs: this.entries.filter((e) => e.start < at).map((e) => e.entry), stopped: true };
      this.pending = "";
      this.entries = [];
      return out;
    }
    return this.release(this.pending.length - this.heldBack());
  }

  /** End of generation: everything held back is plain text after all. */
  flush(): Released {
    return this.release(this.pending.length, true);
  }

  private heldBack(): number {
    let hold = 0;
    for (const s of this.stops) {
      for (let k = Math.min(s.length - 1, this.pending.length); k > hold; k--) {
        if (this.pending.endsWith(s.slice(0, k))) {
          hold = k;
          break;
        }
      }
    }
    return hold;
  }

  /** An entry goes out with the first character of its text (all of them at the end). */
  private release(upTo: number, all = false): Released {
    const text = this.pending.slice(0, upTo);
    const goes = (e: { start: number }) => all || e.start < upTo;
    const out = this.entries.filter(goes);
    this.entries = this.entries.filter((e) => !goes(e)).map((e) => ({ ...e, start: e.start - upTo, end: e.end - upTo }));
    this.pending = this.pending.slice(upTo);
    return { text, logprobs: out.map((e) => e.entry), stopped: false };
  }
}
