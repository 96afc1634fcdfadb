import assert from "node:assert/strict";
import { test } from "node:test";
import type { HostMessage } from "../../../src/core/collab/text/panel-messages";
import { parseWebviewMessage } from "../../../src/core/collab/text/panel-messages";
import { emptyState, reduce, requestCancel, restoreState } from "../../../webview/state";

void test("messages from the webview are validated, naming what is wrong", () => {
  assert.deepEqual(parseWebviewMessage({ type: "apply-fix", id: "", data: { runId: "r-1", findingId: "F2" } }), {
    ok: true,
    message: { type: "apply-fix", id: "", data: { runId: "r-1", findingId: "F2" } },
  });
  const bad: [unknown, RegExp][] = [
    [null, /not an object/],
    [{ type: 7 }, /no message type/],
    [{ type: "apply-fix", data: { runId: "r-1", findingId: "../../etc" } }, /finding id like "F1"/],
    [{ type: "reveal", data: { findingId: "F1" } }, /needs a runId/],
    [{ type: "run-shell", data: {} }, /unknown message type "run-shell"/],
  ];
  for (const [raw, re] of bad) {
    const r = parseWebviewMessage(raw);
    assert.ok(!r.ok && re.test(r.error), `${JSON.stringify(raw)} → ${JSON.stringify(r)}`);
  }
});

void test("the panel state follows the events: streaming, retry, failure, cancel, late messages ignored", () => {
  const ev = (runId: string, event: unknown): HostMessage => ({ type: "review-event", id: "", data: { runId, event } }) as HostMessage;
  let s = reduce(emptyState(), { type: "run", id: "", data: { runId: "r1", source: { uri: "file:///a.ts", label: "a.ts" } } });
  s = reduce(s, ev("r1", { type: "round-started", round: 1, label: "Round 1", models: ["a", "b", "c"] }));
  s = reduce(s, ev("r1", { type: "model-delta", round: 1, model: "a", text: "Hel" }));
  s = reduce(s, ev("r1", { type: "model-delta", round: 1, model: "a", text: "lo" }));
  s = reduce(s, ev("old-run", { type: "model-delta", round: 1, model: "a", text: "STALE" }));
  s = reduce(s, ev("r1", { type: "model-retry", round: 1, model: "b", reason: "no JSON" }));
  s = reduce(s, ev("r1", { type: "model-failed", round: 1, model: "c", message: "HTTP 500" }));
  const cols = s.rounds[0]!.columns;
  assert.equal(cols[0]!.text, "Hello");
  assert.equal(cols[1]!.status, "retrying");
  assert.match(cols[1]!.notes[0]!, /^Unreadable reply \(no JSON\); asked again/);
  s = reduce(s, ev("r1", { type: "model-retry", round: 1, model: "b", reason: "the other replies quoted up to 1200 characters", cause: "context" }));
  assert.equal(cols[1]!.notes[1], "The prompt was too long for this model's context; asked again with the other replies quoted up to 1200 characters.");
  assert.deepEqual([cols[2]!.status, cols[2]!.error], ["failed", "HTTP 500"]);
  s = reduce(s, ev("r1", { type: "done", status: "cancelled", reason: "cancelled", roundsRun: 1, findings: [], costUsd: 0 }));
  assert.equal(cols[0]!.status, "stopped", "a reply cut off by a cancel is marked stopped, not done");
  assert.equal(s.done?.status, "cancelled");
  // What setState saved comes back; anything else starts empty.
  assert.deepEqual(restoreState(JSON.parse(JSON.stringify(s))), s);
  assert.deepEqual(restoreState({ version: 99 }), emptyState());
  assert.deepEqual(restoreState("garbage"), emptyState());
});

void test("Cancel asks the host once per run; the host's done ends 'cancelling'", () => {
  const ev = (event: unknown): HostMessage => ({ type: "review-event", id: "", data: { runId: "r1", event } }) as HostMessage;
  assert.equal(requestCancel(emptyState()), false, "no run, nothing to cancel");
  const s = reduce(emptyState(), { type: "run", id: "", data: { runId: "r1", source: { uri: "file:///a.ts", label: "a.ts" } } });
  assert.equal(requestCancel(s), true);
  assert.equal(s.cancelling, true);
  assert.equal(requestCancel(s), false, "a second press (or Escape) while cancelling asks nothing more");
  reduce(s, ev({ type: "done", status: "cancelled", reason: "stopped on request", roundsRun: 0, findings: [], costUsd: 0 }));
  assert.equal(s.cancelling, undefined);
  assert.equal(requestCancel(s), false, "a finished run is not cancelled");
  assert.equal(
    reduce(s, { type: "run", id: "", data: { runId: "r2", source: { uri: "file:///a.ts", label: "a.ts" } } }).cancelling,
    undefined,
    "a new run starts fresh",
  );
});
