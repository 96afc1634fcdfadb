// What the user did with inline completions, turned into router feedback: accepted (Tab), rejected (typed
// something else instead), and partly kept (the share of the accepted characters still there after 30 s).
// Editor-agnostic: the VS Code glue reports offers, acceptances and the next request; documents are read through
// a callback so this stays testable without VS Code.

import type { Feedback } from "../collab/api/api-collab";

interface Offer {
  decisionId: string;
  at: number;
  /** The text before the cursor when the completion was offered. */
  prefix: string;
  text: string;
}

export interface AcceptanceOptions {
  onFeedback: (decisionId: string, fb: Feedback) => void;
  keptAfterMs?: number;
  /** An offer typed past sooner than this was hardly seen: it says nothing about its quality. */
  minSeenMs?: number;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => { dispose(): void };
}

/** Share of `inserted` still present, in order, in the document around where it was inserted. */
export function keptFraction(inserted: string, docText: string, offset: number): number {
  if (inserted.length === 0) return 1;
  const window = docText.slice(Math.max(0, offset - 16), offset + inserted.length * 2 + 16);
  let j = 0;
  let kept = 0;
  for (const ch of inserted) {
    const at = window.indexOf(ch, j);
    if (at < 0) continue;
    kept++;
    j = at + 1;
  }
  return kept / inserted.length;
}

export class AcceptanceTracker {
  private readonly offers = new Map<string, Offer>();
  private readonly timers = new Set<{ dispose(): void }>();

  constructor(private readonly opts: AcceptanceOptions) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  offered(editorKey: string, decisionId: string | undefined, prefix: string, text: string): void {
    if (!decisionId) return;
    this.offers.set(editorKey, { decisionId, prefix, text, at: this.now() });
  }

  /**
   * A new request in the editor: if the last offer was neither accepted nor is still being typed out, the user
   * rejected it.
   */
  nextRequest(editorKey: string, prefix: string): void {
    const o = this.offers.get(editorKey);
    if (!o) return;
    if (prefix === o.prefix) return;
    const typed = prefix.startsWith(o.prefix) ? prefix.slice(o.prefix.length) : undefined;
    if (typed !== undefined && o.text.startsWith(typed) && typed.length < o.text.length) return;
    this.offers.delete(editorKey);
    const typedOut = typed !== undefined && typed === o.text;
    if (!typedOut && this.now() - o.at < (this.opts.minSeenMs ?? 1000)) return;
    this.opts.onFeedback(o.decisionId, typedOut ? { kind: "accepted" } : { kind: "rejected" });
  }

  /** Tab: the completion went in at `offset`. After a while, report how much of it is still there. */
  accepted(editorKey: string, decisionId: string | undefined, text: string, offset: number, readDocument: () => string | undefined): void {
    this.offers.delete(editorKey);
    if (!decisionId) return;
    this.opts.onFeedback(decisionId, { kind: "accepted" });
    const set =
      this.opts.setTimer ??
      ((fn, ms) => {
        const t = setTimeout(fn, ms);
        t.unref?.();
        return { dispose: () => clearTimeout(t) };
      });
    const timer = set(() => {
      this.timers.delete(timer);
      const doc = readDocument();
      if (doc === undefined) return;
      this.opts.onFeedback(decisionId, { kind: "kept", fraction: keptFraction(text, doc, offset) });
    }, this.opts.keptAfterMs ?? 30_000);
    this.timers.add(timer);
  }

  dispose(): void {
    for (const t of this.timers) t.dispose();
    this.timers.clear();
  }
}
