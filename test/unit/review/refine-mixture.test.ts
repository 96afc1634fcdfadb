import assert from "node:assert/strict";
import { test } from "node:test";
import type { ReviewEvent } from "../../../src/core/collab/text/events";
import { runReview } from "../../../src/core/collab/text/review";
import { CODE, lastUser, review, scriptedModels, verdict } from "./scripted-models";

const DIV_BUG = { lines: [2, 2], severity: "error", category: "bug", title: "Division by zero", rationale: "b may be 0", patch: "  return a / b;" };
const STYLE = { lines: [1, 1], severity: "info", category: "style", title: "Name", rationale: "div is vague" };

void test("refine: draft, critique, revision; the author withdraws what the critic disproved", async () => {
  const s = scriptedModels(["author", "critic"], (model, msgs) => {
    const u = lastUser(msgs);
    if (u.includes("Decide each finding")) return verdict("One real bug.", [{ finding: "F1", decision: "accept", reason: "" }]);
    if (model === "author" && u.startsWith("Review this code")) return review([DIV_BUG, STYLE]);
    if (model === "critic")
      return review(
        [],
        [
          { finding: "F1", stance: "support", reason: "" },
          { finding: "F2", stance: "dispute", reason: "the name is fine" },
        ],
      );
    // Revision: keeps F1 with a corrected fix, withdraws F2.
    return review(
      [{ ...DIV_BUG, rationale: "b may be 0 (revised)", patch: "  if (b === 0) throw new RangeError();\n  return a / b;" }],
      [{ finding: "F2", stance: "dispute", reason: "agreed, withdrawn" }],
    );
  });
  const events: ReviewEvent[] = [];
  const r = await runReview(s.models, { mode: "refine", file: "d.js", code: CODE, startLine: 1, participants: ["author", "critic"], rounds: 3 }, (e) =>
    events.push(e),
  );
  const labels = events.filter((e) => e.type === "round-started").map((e) => (e as { label: string }).label);
  // Round 2's critique still disputes F2 (it stays wrong), so the critique/revision cycle runs all 3 rounds.
  assert.deepEqual(labels.slice(0, 3), ["Draft", "Critique 1", "Revision 1"]);
  assert.equal(labels.at(-1), "Verdict");
  const f2 = r.findings.find((f) => f.id === "F2")!;
  assert.deepEqual(f2.disputedBy.sort(), ["author", "critic"]);
  const f1 = r.findings.find((f) => f.id === "F1")!;
  assert.equal(f1.rationale, "b may be 0 (revised)", "the author's revision replaces its own finding's text");
  assert.match(f1.patch!, /RangeError/);
  assert.equal(r.findings.length, 2, "a revision is not a new finding");
  assert.equal(r.verdict?.by, "critic", "the critic judges when no judge is set");
  // The revision prompt carries the critic's words.
  const revision = s.calls.find((c) => c.model === "author" && lastUser(c.messages).includes("The critic's feedback"))!;
  assert.match(lastUser(revision.messages), /the name is fine/);
});

void test("refine: stops early when the critic supports everything and adds nothing", async () => {
  const s = scriptedModels(["author", "critic"], (model, msgs) => {
    const u = lastUser(msgs);
    if (u.includes("Decide each finding")) return verdict("Good.");
    if (model === "author") return review([DIV_BUG]);
    return review([], [{ finding: "F1", stance: "support", reason: "right" }]);
  });
  const r = await runReview(s.models, { mode: "refine", file: "d.js", code: CODE, startLine: 1, participants: ["author", "critic"], rounds: 3 }, () => {});
  assert.equal(r.status, "converged");
  assert.equal(s.calls.filter((c) => c.model === "author").length, 1, "no revision was needed");
});

void test("mixture: proposers then an aggregator whose better patch replaces the proposed one", async () => {
  const s = scriptedModels(["p1", "p2", "agg"], (model) => {
    if (model === "agg")
      return verdict("Merged.", [
        { finding: "F1", decision: "accept", reason: "both saw it", patch: "  if (b === 0) throw new RangeError('b is 0');\n  return a / b;" },
        { finding: "F9", decision: "accept", reason: "unknown id is ignored" },
      ]);
    return review([{ ...DIV_BUG, rationale: `${model}: b may be 0` }]);
  });
  const events: ReviewEvent[] = [];
  const r = await runReview(s.models, { mode: "mixture", file: "d.js", code: CODE, startLine: 10, participants: ["p1", "p2"], judge: "agg", rounds: 1 }, (e) =>
    events.push(e),
  );
  assert.equal(r.status, "completed");
  // startLine 10 shifts the shown numbers: line 2 is outside 10–14, so the proposals were skipped with a note.
  assert.equal(r.findings.length, 0);
  const notes = events.filter((e): e is Extract<ReviewEvent, { type: "model-done" }> => e.type === "model-done").flatMap((e) => e.notes);
  assert.ok(notes.some((n) => /no line range inside 10–14/.test(n)));

  const r2 = await runReview(
    s.models,
    { mode: "mixture", file: "d.js", code: CODE, startLine: 1, participants: ["p1", "p2"], judge: "agg", rounds: 1 },
    () => {},
  );
  assert.equal(r2.findings.length, 1, "the same issue from two proposers is one finding");
  assert.deepEqual(r2.findings[0]!.raisedBy, ["p1"]);
  assert.deepEqual(r2.findings[0]!.supportedBy, ["p2"]);
  assert.match(r2.findings[0]!.patch!, /RangeError/);
  assert.deepEqual(
    r2.verdict?.decisions.map((d) => d.finding),
    ["F1"],
  );
  const aggPrompt = lastUser(s.calls.filter((c) => c.model === "agg").at(-1)!.messages);
  assert.match(aggPrompt, /--- p1:/);
  assert.match(aggPrompt, /--- p2:/);
});
