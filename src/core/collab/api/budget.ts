// The monthly cloud budget cap. Once the ledger shows the month's spend has reached chorus.budgetUsd, calls to
// cloud models stop with a notice that says so; local models keep working. The spend is read from the ledger
// once per month and then kept up to date from its record events, so a completion never re-reads the ledger. The
// first read happens in the background as soon as the guard exists, so the first request does not wait on the disk.

import { isLocal, type ModelConfig } from "../../config";
import { spendSince, type Ledger } from "../../ledger";
import { ProviderError } from "../../providers/errors";

export function monthStart(now: Date): Date {
  return new Date(now.getFullYear(), now.getMonth(), 1);
}

export class BudgetGuard {
  /** The month whose spend `spent` holds: its start as ISO text (ledger timestamps compare as text) and as ms. */
  private month = "";
  private monthStartMs = Infinity;
  private monthEndMs = -Infinity;
  private spent = 0;
  private readonly sub: { dispose(): void };
  /** Records heard of while the background read runs; the ones it does not include are added when it ends. */
  private loading: { seq: number; ts: string; costUsd: number }[] | undefined;
  /** Settles when the background read of the month's spend has ended (tests wait on it). */
  readonly loaded: Promise<void>;

  constructor(
    private readonly ledger: Ledger,
    private readonly budgetUsd: () => number,
    private readonly now: () => Date = () => new Date(),
  ) {
    // Runs for every ledger record: compare against the held month, no dates built per record. A record from a
    // month not held yet only touches a sum that spentThisMonth() re-reads before anyone sees it.
    this.sub = ledger.onRecord((e) => {
      if (this.month && e.ts >= this.month) this.spent += e.costUsd;
      else this.loading?.push({ seq: ledger.count, ts: e.ts, costUsd: e.costUsd });
    });
    this.loaded = this.preload();
  }

  private async preload(): Promise<void> {
    const now = this.now();
    const heard: { seq: number; ts: string; costUsd: number }[] = [];
    this.loading = heard;
    try {
      const { entries, count } = await this.ledger.readAsync();
      // A request that came first read the ledger itself, or the month turned meanwhile: keep what it has.
      if (this.month || monthStart(this.now()).getTime() !== monthStart(now).getTime()) return;
      this.hold(now, spendSince(entries, monthStart(now)));
      for (const r of heard) if (r.seq > count && r.ts >= this.month) this.spent += r.costUsd;
    } catch {
      /* unreadable now: the first request reads it itself, and reports what goes wrong */
    } finally {
      this.loading = undefined;
    }
  }

  private hold(now: Date, spent: number): void {
    const start = monthStart(now);
    this.month = start.toISOString();
    this.monthStartMs = start.getTime();
    this.monthEndMs = new Date(now.getFullYear(), now.getMonth() + 1, 1).getTime();
    this.spent = spent;
  }

  /** Cloud spend this calendar month, in USD. */
  spentThisMonth(): number {
    const now = this.now();
    const t = now.getTime();
    // Every request asks: within the held month that is two comparisons, not a Date and an ISO string.
    if (t < this.monthStartMs || t >= this.monthEndMs) this.hold(now, this.ledger.spentSince(monthStart(now)));
    return this.spent;
  }

  /** What is left this month, or Infinity when no cap is set. */
  remaining(): number {
    const cap = this.budgetUsd();
    return cap > 0 ? Math.max(0, cap - this.spentThisMonth()) : Infinity;
  }

  /** Throw a "budget" ProviderError if `model` is a cloud model and the cap is reached. */
  check(model: ModelConfig): void {
    const cap = this.budgetUsd();
    if (cap <= 0 || isLocal(model)) return;
    const spent = this.spentThisMonth();
    if (spent < cap) return;
    throw new ProviderError(
      "budget",
      `Cloud budget reached: ${usd(spent)} of ${usd(cap)} spent this month, so "${model.id}" was not called. ` +
        `Local models still work. Raise chorus.budgetUsd to continue with cloud models.`,
      { model: model.id },
    );
  }

  dispose(): void {
    this.sub.dispose();
  }
}

/** Dollars with cents, or more digits for the tiny amounts a single completion costs. */
export function usd(x: number): string {
  return x >= 0.01 || x === 0 ? `$${x.toFixed(2)}` : `$${x.toPrecision(2)}`;
}
