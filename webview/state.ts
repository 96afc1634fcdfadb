// The review panel's state: everything it shows, built from the host's messages by a pure reducer. The same
// object is saved with setState, so a reloaded panel redraws exactly what it showed (and the host can read the
// findings back from it to keep "Apply fix" working after a reload).

import type { Finding, HostMessage, ReplyForm, ReviewEvent, ReviewMode, RunStatus, Verdict } from "../src/core/collab/text/panel-messages";

export type ColumnStatus = "streaming" | "retrying" | "done" | "failed" | "stopped";

export interface Column {
  model: string;
  text: string;
  status: ColumnStatus;
  form?: ReplyForm;
  summary?: string;
  notes: string[];
  error?: string;
  costUsd?: number;
}

export interface RoundView {
  round: number;
  label: string;
  columns: Column[];
}

export interface PanelState {
  version: 1;
  runId?: string;
  source?: { uri: string; label: string };
  mode?: ReviewMode;
  file?: string;
  lines?: { start: number; end: number };
  participants: string[];
  judge?: string;
  rounds: RoundView[];
  findings: Finding[];
  verdict?: Verdict;
  done?: { status: RunStatus; reason: string; roundsRun: number; costUsd: number };
  applied: string[];
  /** The user asked to stop the run and the host has not yet said it stopped (its `done` ends this). */
  cancelling?: boolean;
}

export function emptyState(): PanelState {
  return { version: 1, participants: [], rounds: [], findings: [], applied: [] };
}

function column(s: PanelState, round: number, model: string): Column | undefined {
  return s.rounds.find((r) => r.round === round)?.columns.find((c) => c.model === model);
}

/** Apply one host message. Mutates and returns `s` (the panel redraws after each batch of messages). */
export function reduce(s: PanelState, msg: HostMessage): PanelState {
  if (msg.type === "restore") return restoreState(msg.data.state);
  if (msg.type === "run") return { ...emptyState(), runId: msg.data.runId, source: msg.data.source };
  if (msg.data.runId !== s.runId) return s; // a late message from a run this panel no longer shows
  if (msg.type === "fix-applied") {
    if (!s.applied.includes(msg.data.findingId)) s.applied.push(msg.data.findingId);
    return s;
  }
  const e: ReviewEvent = msg.data.event;
  switch (e.type) {
    case "run-started":
      Object.assign(s, { mode: e.mode, file: e.file, lines: e.lines, participants: e.participants, judge: e.judge });
      break;
    case "round-started":
      s.rounds.push({ round: e.round, label: e.label, columns: e.models.map((model) => ({ model, text: "", status: "streaming", notes: [] })) });
      break;
    case "model-delta": {
      const c = column(s, e.round, e.model);
      if (c) c.text += e.text;
      break;
    }
    case "model-retry": {
      const c = column(s, e.round, e.model);
      if (c) {
        c.status = "retrying";
        c.notes.push(
          e.cause === "context"
            ? `The prompt was too long for this model's context; asked again with ${e.reason}.`
            : `Unreadable reply (${e.reason}); asked again.`,
        );
        c.text = "";
      }
      break;
    }
    case "model-done": {
      const c = column(s, e.round, e.model);
      if (c) Object.assign(c, { text: e.text, status: "done", form: e.form, summary: e.summary, costUsd: e.costUsd, notes: [...c.notes, ...e.notes] });
      break;
    }
    case "model-failed": {
      const c = column(s, e.round, e.model);
      if (c) Object.assign(c, { status: "failed", error: e.message });
      break;
    }
    case "findings-updated":
      s.findings = e.findings;
      break;
    case "verdict":
      s.verdict = e.verdict;
      break;
    case "done":
      s.findings = e.findings;
      if (e.verdict) s.verdict = e.verdict;
      s.done = { status: e.status, reason: e.reason, roundsRun: e.roundsRun, costUsd: e.costUsd };
      delete s.cancelling;
      for (const r of s.rounds) for (const c of r.columns) if (c.status === "streaming" || c.status === "retrying") c.status = "stopped";
      break;
  }
  return s;
}

/** The user pressed Cancel or Escape: true when the host should be asked to stop (once per run). */
export function requestCancel(s: PanelState): boolean {
  if (!s.runId || s.done || s.cancelling) return false;
  s.cancelling = true;
  return true;
}

/** Restore saved state defensively: an older or damaged state starts empty rather than breaking the panel. */
export function restoreState(saved: unknown): PanelState {
  if (typeof saved !== "object" || saved === null) return emptyState();
  const s = saved as Partial<PanelState>;
  if (s.version !== 1 || !Array.isArray(s.rounds) || !Array.isArray(s.findings) || !Array.isArray(s.applied) || !Array.isArray(s.participants))
    return emptyState();
  return s as PanelState;
}
