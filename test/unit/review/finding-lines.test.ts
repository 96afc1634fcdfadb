// The panel's line numbers after "Apply fix": findings follow their code (found again by their fix's anchor),
// and findings without a fix shift by what the applied fix added or removed above them (the old shiftFindings used
// the applied finding's stale review-time lines, so after an edit above it the wrong findings moved).
import assert from "node:assert/strict";
import { test } from "node:test";
import { currentLines, findingsAfterFix, fixChange } from "../../../src/core/collab/text/finding-lines";
import { locateFix } from "../../../src/core/collab/text/fix-anchor";
import { FindingBoard, type Finding } from "../../../src/core/collab/text/findings";
import { applyChange } from "../../../src/core/collab/text/patch";

const FILE = ["function a(x) {", "  return x / 0;", "}", "", "function b(y) {", "  return y * y;", "}", "", "const unused = 1;"];

function findings(): Finding[] {
  const board = new FindingBoard("f.js", { code: FILE.join("\n"), startLine: 1 });
  const base = { severity: "error" as const, title: "t", rationale: "r" };
  board.raise("m", { ...base, category: "bug", lines: { start: 2, end: 2 }, patch: "  if (x === 0) return 0;\n  return x / 0;" }, 1);
  board.raise("m", { ...base, category: "perf", lines: { start: 6, end: 6 }, patch: "  return y ** 2;" }, 1);
  board.raise("m", { ...base, category: "style", lines: { start: 9, end: 9 } }, 1);
  return board.snapshot();
}

void test("after a line was typed above and F1 applied, every finding shows the lines its code is at now", () => {
  const [f1, f2] = findings();
  const edited = ["// typed by the user", ...FILE];
  assert.deepEqual(currentLines(edited, f2!), { start: 7, end: 7 }, "F2 is found one line down before anything is applied");
  const change = locateFix(edited, f1!.fix!);
  const after = applyChange(edited, change);
  const [g1, g2, g3] = findingsAfterFix(findings(), "F1", change, after);
  assert.deepEqual(g1!.lines, { start: 3, end: 4 }, "F1 names the lines its fix wrote");
  assert.deepEqual(g2!.lines, { start: 8, end: 8 }, "F2 followed its code: one typed line + one added by F1");
  assert.equal(after[g2!.lines.start - 1], "  return y * y;");
  assert.deepEqual(g3!.lines, { start: 10, end: 10 }, "F3 has no fix: it shifts only by the line F1 added");
  // The next fix is placed where F2's code is now.
  const change2 = locateFix(after, g2!.fix!);
  const after2 = applyChange(after, change2);
  assert.equal(after2[7], "  return y ** 2;");
  // F1, fixed already, follows what its fix wrote (not its old anchor, whose "  return x / 0;" is still there).
  const typedAgain = ["// and again", ...after2];
  assert.deepEqual(currentLines(typedAgain, findingsAfterFix([g1!, g2!, g3!], "F2", change2, after2)[0]!), { start: 4, end: 5 });
});

void test("a finding whose code a fix replaced keeps its lines; one above the fix does not move", () => {
  const all = findings();
  const change = locateFix(FILE, all[1]!.fix!);
  const moved = findingsAfterFix(all, "F2", change, applyChange(FILE, change));
  assert.deepEqual(moved[0]!.lines, { start: 2, end: 2 });
  assert.deepEqual(moved[2]!.lines, { start: 9, end: 9 });
});

void test("a fix is refused, never applied by its line numbers, when it has no anchor or did not fit the reviewed code", () => {
  const [f1] = findings();
  // Through the panel's JSON snapshot (a window reload) the anchor comes back and still places the fix.
  const restored = JSON.parse(JSON.stringify(f1)) as Finding;
  assert.deepEqual(fixChange(["// new", ...FILE], restored).startLine, 3);
  // A finding saved by an older Chorus (no anchor) is refused with what to do.
  const { fix: _fix, ...old } = f1!;
  assert.throws(() => fixChange(FILE, old), /saved without the code it was written for.*run the review again/);
  assert.throws(
    () => fixChange(FILE, { ...old, fixError: "the suggested fix does not fit the code that was reviewed: x" }),
    /does not fit the code that was reviewed: x\. Run the review again\./,
  );
  assert.throws(() => fixChange(FILE, { ...old, patch: undefined }), /F1 has no suggested fix/);
});
