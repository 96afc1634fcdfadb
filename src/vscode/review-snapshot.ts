// The review panel's state, kept by the host as well as by the webview. The webview's own setState reaches
// VS Code's storage asynchronously, so a window reload right after a message (a fix applied, a run still
// streaming) can restore an older picture. The host sees every message it posts, folds it with the webview's
// own reducer, and writes the result to a file in the extension's storage; a restored panel starts from that.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { HostMessage } from "../core/collab/text/panel-messages";
import { emptyState, reduce, restoreState, type PanelState } from "../../webview/state";

/** Streaming deltas arrive per token: write those at most this often; everything else at once. */
const DELTA_WRITE_MS = 300;

export class ReviewSnapshot {
  private state: PanelState = emptyState();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** The saved state, or undefined when there is none (or it is unreadable). */
  load(): PanelState | undefined {
    try {
      const s = restoreState(JSON.parse(readFileSync(this.file, "utf8")));
      return s.runId ? s : undefined;
    } catch {
      return undefined;
    }
  }

  /** Start from a restored state (after a reload). */
  reset(state: PanelState): void {
    this.state = structuredClone(state);
    this.write();
  }

  /** Fold one message the host posts to the panel. */
  record(m: HostMessage): void {
    if (this.closed) return;
    // The reducer mutates in place; the message objects are the host's own and must stay untouched.
    this.state = reduce(this.state, structuredClone(m));
    const streaming = m.type === "review-event" && m.data.event.type === "model-delta";
    if (!streaming) this.write();
    else this.timer ??= setTimeout(() => this.write(), DELTA_WRITE_MS);
  }

  dispose(): void {
    if (this.timer) this.write();
  }

  /**
   * Write what is pending and record nothing more: the extension is shutting down (a window reload or close). A run
   * still going must stay saved as running, so that the next window reopens it as interrupted; the cancel that
   * shutting down causes is not the user's.
   */
  close(): void {
    this.dispose();
    this.closed = true;
  }

  private write(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      // Temp file then rename: a crash mid-write leaves the previous snapshot, never half of one.
      const tmp = `${this.file}.tmp-${process.pid}`;
      writeFileSync(tmp, JSON.stringify(this.state));
      renameSync(tmp, this.file);
    } catch (e) {
      this.onError(e);
    }
  }
}
