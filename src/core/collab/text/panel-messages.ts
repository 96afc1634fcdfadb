// Messages between the extension host and the review webview, declared once for both sides, and the one module
// the webview imports from src/ (lint-enforced): the data types it renders are re-exported here. Every message is
// an envelope {type, id, data} with id "" (events, no reply). Everything the webview sends is untrusted input: the
// host accepts it only through parseWebviewMessage.

import type { ReviewEvent } from "./events";

export type { ReplyForm, ReviewEvent, ReviewMode, RunStatus, Verdict } from "./events";
export { agreement, type Finding } from "./findings";

/** One message: what it is, a request id ("" for events), and its payload. */
export interface Envelope<T extends string = string, D = unknown> {
  type: T;
  id: string;
  data: D;
}

/** Host → webview. */
export type HostMessage =
  /** A new run starts in this panel: forget the previous one. `source` names the reviewed document. */
  | Envelope<"run", { runId: string; source: { uri: string; label: string } }>
  | Envelope<"review-event", { runId: string; event: ReviewEvent }>
  | Envelope<"fix-applied", { runId: string; findingId: string }>
  /** Replace the panel's whole state (after a reload, from the host's snapshot); validated by the webview. */
  | Envelope<"restore", { state: unknown }>;

/** Webview → host. */
export type WebviewMessage =
  | Envelope<"ready", Record<string, never>>
  | Envelope<"reveal", { runId: string; findingId: string }>
  | Envelope<"preview-fix", { runId: string; findingId: string }>
  | Envelope<"apply-fix", { runId: string; findingId: string }>
  | Envelope<"cancel-run", { runId: string }>
  /** Run the finished (or cancelled) run's review again, same code and setup. */
  | Envelope<"rerun", { runId: string }>;

const FINDING_ID = /^F\d{1,4}$/;
const RUN_ID = /^[\w-]{1,80}$/;

/** Validate a message from the webview; returns an error string naming what is wrong instead of throwing. */
export function parseWebviewMessage(raw: unknown): { ok: true; message: WebviewMessage } | { ok: false; error: string } {
  if (typeof raw !== "object" || raw === null) return { ok: false, error: "not an object" };
  const m = raw as { type?: unknown; id?: unknown; data?: unknown };
  if (typeof m.type !== "string") return { ok: false, error: "no message type" };
  const data = (typeof m.data === "object" && m.data !== null ? m.data : {}) as Record<string, unknown>;
  const runId = data.runId;
  const findingId = data.findingId;
  switch (m.type) {
    case "ready":
      return { ok: true, message: { type: "ready", id: "", data: {} } };
    case "cancel-run":
    case "rerun":
      if (typeof runId !== "string" || !RUN_ID.test(runId)) return { ok: false, error: `${m.type} needs a runId` };
      return { ok: true, message: { type: m.type, id: "", data: { runId } } };
    case "reveal":
    case "preview-fix":
    case "apply-fix":
      if (typeof runId !== "string" || !RUN_ID.test(runId)) return { ok: false, error: `${m.type} needs a runId` };
      if (typeof findingId !== "string" || !FINDING_ID.test(findingId)) return { ok: false, error: `${m.type} needs a finding id like "F1"` };
      return { ok: true, message: { type: m.type, id: "", data: { runId, findingId } } };
    default:
      return { ok: false, error: `unknown message type "${m.type.slice(0, 40)}"` };
  }
}
