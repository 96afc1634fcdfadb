import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { HostMessage } from "../../../src/core/collab/text/panel-messages";
import { ReviewSnapshot } from "../../../src/vscode/review-snapshot";

const run: HostMessage = { type: "run", id: "", data: { runId: "r1", source: { uri: "file:///w/a.ts", label: "a.ts" } } };
const finding = {
  id: "F1",
  file: "a.ts",
  lines: { start: 2, end: 2 },
  severity: "error",
  category: "bug",
  title: "t",
  rationale: "r",
  raisedBy: ["m"],
  supportedBy: [],
  disputedBy: [],
};

void test("the host's snapshot follows every posted message and survives a new process", () => {
  const file = join(mkdtempSync(join(tmpdir(), "snap-")), "sub", "review-panel.json");
  const errors: unknown[] = [];
  const snap = new ReviewSnapshot(file, (e) => errors.push(e));
  snap.record(run);
  snap.record({
    type: "review-event",
    id: "",
    data: { runId: "r1", event: { type: "findings-updated", round: 1, findings: [finding] } },
  } as unknown as HostMessage);
  snap.record({ type: "fix-applied", id: "", data: { runId: "r1", findingId: "F1" } });
  const back = new ReviewSnapshot(file, () => {}).load();
  assert.equal(back?.runId, "r1");
  assert.deepEqual(back?.applied, ["F1"]);
  assert.equal(back?.findings[0]?.id, "F1");
  assert.equal(back?.done, undefined, "a run without its done event reads as unfinished (the panel says it was interrupted)");
  assert.deepEqual(errors, []);
});

void test("a message from another run is ignored, a damaged file reads as none", () => {
  const dir = mkdtempSync(join(tmpdir(), "snap-"));
  const file = join(dir, "review-panel.json");
  const snap = new ReviewSnapshot(file, () => {});
  snap.record(run);
  snap.record({ type: "fix-applied", id: "", data: { runId: "other", findingId: "F9" } });
  assert.deepEqual(new ReviewSnapshot(file, () => {}).load()?.applied, []);
  writeFileSync(file, "{not json");
  assert.equal(new ReviewSnapshot(file, () => {}).load(), undefined);
});
