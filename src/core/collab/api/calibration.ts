// The one cost/quality knob. Users choose what share of requests may go to the strong model (or a monthly
// budget, which sets that share from what is left); the router's probability threshold is then the matching
// quantile of its recent scores, so the share holds whatever scale the learned scores drift to.

const WINDOW = 500;
/** Below this many recent scores the quantile is noise; use a fixed threshold instead. */
const MIN_HISTORY = 20;

export class ShareCalibrator {
  private readonly recent: number[] = [];
  private next = 0;
  /** Sorted copy of `recent`, rebuilt only every few observations: sorting 500 numbers per keystroke is waste. */
  private sorted: number[] = [];
  private stale = 0;

  constructor(private targetShare: number) {
    this.setTarget(targetShare);
  }

  setTarget(share: number): void {
    if (!Number.isFinite(share) || share < 0 || share > 1) throw new RangeError(`The strong-model share must be between 0 and 1, not ${share}.`);
    this.targetShare = share;
  }

  get target(): number {
    return this.targetShare;
  }

  /** Remember a score the router produced (call once per routed request). */
  observe(p: number): void {
    if (this.recent.length < WINDOW) this.recent.push(p);
    else this.recent[this.next] = p;
    this.next = (this.next + 1) % WINDOW;
    this.stale++;
  }

  /** Scores at or above this go to the strong model. */
  threshold(share = this.targetShare): number {
    if (share <= 0) return Infinity;
    if (share >= 1) return -Infinity;
    if (this.recent.length < MIN_HISTORY) return 1 - share;
    if (this.stale >= 10 || this.sorted.length < MIN_HISTORY) {
      this.sorted = [...this.recent].sort((a, b) => a - b);
      this.stale = 0;
    }
    const sorted = this.sorted;
    const k = Math.min(sorted.length - 1, Math.floor((1 - share) * sorted.length));
    return sorted[k]!;
  }
}

/**
 * With a budget, the share shrinks as the money runs out faster than the month does: spending at the target
 * share is fine while the remaining fraction of the budget keeps pace with the remaining fraction of the month.
 */
export function budgetedShare(targetShare: number, budgetUsd: number, remainingUsd: number, now: Date): number {
  if (budgetUsd <= 0 || !Number.isFinite(remainingUsd)) return targetShare;
  if (remainingUsd <= 0) return 0;
  const start = new Date(now.getFullYear(), now.getMonth(), 1).getTime();
  const end = new Date(now.getFullYear(), now.getMonth() + 1, 1).getTime();
  const monthLeft = Math.max(0.01, (end - now.getTime()) / (end - start));
  return Math.min(targetShare, targetShare * (remainingUsd / budgetUsd / monthLeft));
}
