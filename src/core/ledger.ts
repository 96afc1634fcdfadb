// Every model call Chorus makes is recorded here: which surface and mode asked, which model answered, tokens,
// cost, latency, and the decision that picked the model. JSON lines in one folder, rotated by size so the
// ledger can never grow without bound. Never holds prompts, replies or API keys.

import { mkdirSync } from "node:fs";
import { LedgerFile } from "./ledger-file";

export type Surface = "completion" | "ask" | "review" | "merge" | "cli" | "bench";

export interface LedgerEntry {
  ts: string;
  surface: Surface;
  mode: string;
  model: string;
  provider: string;
  inputTokens: number;
  outputTokens: number;
  /** Of outputTokens, those a reasoning model spent thinking (billed, never shown); absent when none. */
  reasoningTokens?: number;
  costUsd: number;
  latencyMs: number;
  ok: boolean;
  /** What was decided (e.g. "routed:local-coder", "escalated", "fallback", "budget-stop"). */
  decision?: string;
  /** Why, in words a user can read in a tooltip. */
  reason?: string;
  error?: string;
  /** Groups the calls of one user action (a debate run, a cascade). */
  runId?: string;
}

export interface LedgerOptions {
  /** Rotate when the current file passes this many bytes. */
  maxBytes?: number;
  /** How many rotated files to keep beside the current one. */
  keep?: number;
  /** A batch of records could not be written; they stay queued and are retried with the next batch. */
  onError?: (e: unknown) => void;
}

export class Ledger {
  private readonly file: LedgerFile;
  private readonly listeners = new Set<(e: LedgerEntry) => void>();

  constructor(dir: string, opts: LedgerOptions = {}) {
    this.file = new LedgerFile(dir, { maxBytes: opts.maxBytes ?? 2 * 1024 * 1024, keep: opts.keep ?? 3, onError: opts.onError });
    mkdirSync(dir, { recursive: true });
  }

  /**
   * Queued, not written or even serialised here: the request that made the call never waits on the disk
   * (ledger-file.ts). The entry returned and given to listeners is the one written later, so it is read-only.
   */
  record(entry: Omit<LedgerEntry, "ts"> & { ts?: string }): LedgerEntry {
    const full: LedgerEntry = { ts: entry.ts ?? new Date().toISOString(), ...entry } as LedgerEntry;
    this.file.append(full);
    for (const l of this.listeners) l(full);
    return full;
  }

  /** Resolves once every record made so far is on disk. */
  flush(): Promise<void> {
    return this.file.flush();
  }

  /** Write what is still queued; records made afterwards are still written (by their own timer or at exit). */
  dispose(): Promise<void> {
    return this.file.flush();
  }

  /** Called after each record (the status bar shows the last decision). */
  onRecord(listener: (e: LedgerEntry) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** All entries, oldest first, across rotated files, including those not written yet. Lines that do not parse are skipped. */
  read(): LedgerEntry[] {
    return parse(this.file.lines());
  }

  /**
   * read() without blocking on the disk, and how many of this ledger's records (see `count`) it includes, so a
   * caller can tell which records it heard of from onRecord meanwhile are not in it.
   */
  async readAsync(): Promise<{ entries: LedgerEntry[]; count: number }> {
    const { lines, count } = await this.file.linesAsync();
    return { entries: parse(lines), count };
  }

  /** How many records this ledger has made (the latest record's sequence number, inside an onRecord listener). */
  get count(): number {
    return this.file.count;
  }

  /** Total cloud spend since `since` (the budget cap reads this). */
  spentSince(since: Date): number {
    return spendSince(this.read(), since);
  }
}

export function spendSince(entries: LedgerEntry[], since: Date): number {
  const t = since.toISOString();
  return entries.reduce((sum, e) => (e.ts >= t ? sum + e.costUsd : sum), 0);
}

/** Lines that do not parse are skipped: a torn line from another process. */
function parse(lines: string[]): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  for (const line of lines) {
    try {
      out.push(JSON.parse(line) as LedgerEntry);
    } catch {
      /* skipped, as said above */
    }
  }
  return out;
}

/**
 * A call that failed. A call stopped because its answer was no longer wanted (the user typed on, a review was
 * cancelled) is recorded with ok: false and error "cancelled", but nothing went wrong.
 */
export const failed = (e: LedgerEntry): boolean => !e.ok && e.error !== "cancelled";

const ERROR_WORDS: Record<string, string> = {
  unreachable: "the model could not be reached",
  unauthorized: "the API key was refused",
  rate_limited: "the provider's rate limit was hit",
  model_missing: "the model is not available there",
  context_too_long: "the prompt was too long for the model",
  malformed: "the reply could not be read",
  timeout: "the model took too long",
  cancelled: "cancelled",
  server: "the server failed",
  unsupported: "the model cannot do this",
  budget: "the budget cap stopped it",
  output_limit: "the token limit ran out before an answer",
  privacy: "privacy rules allow only local models here",
};

/** A ledger entry's error (a ProviderErrorKind, "privacy", …) in words for a tooltip or a table. */
export function errorInWords(error: string | undefined): string {
  return (error && ERROR_WORDS[error]) ?? error ?? "an error";
}

export interface UsageRow {
  key: string;
  calls: number;
  /** Failed calls (cancelled ones not counted: see failed()). */
  errors: number;
  inputTokens: number;
  outputTokens: number;
  /** Of outputTokens, spent on hidden reasoning. */
  reasoningTokens: number;
  costUsd: number;
  latencyP50Ms: number;
  latencyMeanMs: number;
}

/** Cost and latency grouped by a key (model, mode, surface). Shared by "Chorus: Show Usage" and `chorus usage`. */
export function summarize(entries: LedgerEntry[], by: (e: LedgerEntry) => string): UsageRow[] {
  const groups = new Map<string, LedgerEntry[]>();
  for (const e of entries) {
    const k = by(e);
    const g = groups.get(k);
    if (g) g.push(e);
    else groups.set(k, [e]);
  }
  return [...groups.entries()]
    .map(([key, g]) => {
      const lat = g.map((e) => e.latencyMs).sort((a, b) => a - b);
      return {
        key,
        calls: g.length,
        errors: g.filter(failed).length,
        inputTokens: g.reduce((s, e) => s + e.inputTokens, 0),
        outputTokens: g.reduce((s, e) => s + e.outputTokens, 0),
        reasoningTokens: g.reduce((s, e) => s + (e.reasoningTokens ?? 0), 0),
        costUsd: g.reduce((s, e) => s + e.costUsd, 0),
        latencyP50Ms: lat[Math.floor((lat.length - 1) / 2)] ?? 0,
        latencyMeanMs: lat.reduce((s, x) => s + x, 0) / Math.max(1, lat.length),
      };
    })
    .sort((a, b) => b.costUsd - a.costUsd || b.calls - a.calls);
}
