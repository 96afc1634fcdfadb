// Adaptive debounce, as Tabby does it: wait about as long as the user usually pauses between keystrokes, minus
// what the model will take anyway, clamped to [min, max]. Fast typists get no request per keystroke; a pause
// starts the request at once.

export interface DebounceOptions {
  minMs: number;
  maxMs: number;
  /** How many typing intervals to wait. */
  rate: number;
}

export const DEFAULT_DEBOUNCE: DebounceOptions = { minMs: 75, maxMs: 1000, rate: 1.5 };

/** Pauses longer than this are thinking, not typing, and do not count. */
const TYPING_GAP_MAX_MS = 2000;
const WINDOW = 20;

export class AdaptiveDebounce {
  private readonly intervals: number[] = [];
  private last: number | undefined;
  private responseMs: number | undefined;

  constructor(private readonly opts: DebounceOptions = DEFAULT_DEBOUNCE) {}

  keystroke(now: number): void {
    if (this.last !== undefined) {
      const gap = now - this.last;
      if (gap > 0 && gap < TYPING_GAP_MAX_MS) {
        this.intervals.push(gap);
        if (this.intervals.length > WINDOW) this.intervals.shift();
      }
    }
    this.last = now;
  }

  response(ms: number): void {
    this.responseMs = this.responseMs === undefined ? ms : 0.8 * this.responseMs + 0.2 * ms;
  }

  delayMs(): number {
    const mean = this.intervals.length ? this.intervals.reduce((a, b) => a + b, 0) / this.intervals.length : 250;
    const d = this.opts.rate * mean - (this.responseMs ?? 0);
    return Math.min(this.opts.maxMs, Math.max(this.opts.minMs, d));
  }
}
