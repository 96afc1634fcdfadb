// Fixes tied to the text they were written for (issue #22: "Apply fix" after a line was typed above a finding
// rewrote the old line numbers, deleting a function's signature). Each test edits the file the way a user would
// between the review and the click, and checks the fix lands on the right lines or is refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import { anchorFix, FixMovedError, isFixAnchor, locateFix } from "../../../src/core/collab/text/fix-anchor";
import { FindingBoard } from "../../../src/core/collab/text/findings";
import { applyChange, PatchError } from "../../../src/core/collab/text/patch";

const FILE = ["// math", "export function divide(a: number, b: number): number {", "  return a / b;", "}", "", "export const one = 1;"];
const REVIEWED = { code: FILE.join("\n"), startLine: 1 };
const FIX = '  if (b === 0) throw new RangeError("b must not be 0");\n  return a / b;';
const FIXED = [
  "// math",
  "export function divide(a: number, b: number): number {",
  '  if (b === 0) throw new RangeError("b must not be 0");',
  "  return a / b;",
  "}",
  "",
  "export const one = 1;",
];

function fixAt(doc: string[], lines = { start: 3, end: 3 }, patch = FIX): string[] {
  return applyChange(doc, locateFix(doc, anchorFix(REVIEWED, lines, patch)));
}

void test("the anchor records the change in file line numbers, all the lines it was written for, and the lines around them", () => {
  const a = anchorFix({ code: FILE.slice(1, 4).join("\n"), startLine: 2 }, { start: 3, end: 3 }, FIX);
  // The fix only adds a guard, but it was written for line 3 as a whole: line 3 is part of what it replaces.
  assert.deepEqual(a.change, { startLine: 3, endLine: 3, lines: ['  if (b === 0) throw new RangeError("b must not be 0");', "  return a / b;"] });
  assert.deepEqual(a.original, ["  return a / b;"]);
  assert.deepEqual(a.before, ["export function divide(a: number, b: number): number {"]);
  assert.deepEqual(a.after, ["}"]);
});

void test("an unchanged file gets the fix exactly where the model put it", () => {
  assert.deepEqual(fixAt(FILE), FIXED);
});

void test("a line typed above the finding: the fix follows its code down (the old code rewrote the signature)", () => {
  const moved = ["// added by the user", ...FILE];
  assert.deepEqual(fixAt(moved), ["// added by the user", ...FIXED]);
  // A replacement (not an insertion) follows too.
  const rename = anchorFix(REVIEWED, { start: 2, end: 2 }, "export function divide(a: number, b: number): number | undefined {");
  assert.deepEqual(applyChange(moved, locateFix(moved, rename)).slice(1, 3), ["// math", "export function divide(a: number, b: number): number | undefined {"]);
});

void test("lines deleted above the finding: the fix follows its code up", () => {
  const up = FILE.slice(1);
  assert.deepEqual(fixAt(up), FIXED.slice(1));
});

void test("the finding's own lines edited since the review: refused, saying what to do", () => {
  const a = anchorFix(REVIEWED, { start: 3, end: 3 }, "  return b === 0 ? NaN : a / b;");
  const edited = FILE.map((l) => (l === "  return a / b;" ? "  return a / (b || 1);" : l));
  assert.throws(
    () => locateFix(edited, a),
    (e: unknown) => e instanceof FixMovedError && /code at line 3 changed since the review.*run the review again/.test(e.message),
  );
});

void test("the same code elsewhere in the file: its context picks the reviewed copy, even when the copy is nearer", () => {
  const twin = ["export function ratio(a: number, b: number): number {", "  return a / b;", "}", ""];
  const a = anchorFix(REVIEWED, { start: 3, end: 3 }, "  return b === 0 ? NaN : a / b;");
  // The user pasted a look-alike function right where divide's body was; divide moved down by four lines.
  const doc = [FILE[0]!, ...twin, ...FILE.slice(1)];
  const c = locateFix(doc, a);
  assert.equal(c.startLine, 7);
  assert.equal(applyChange(doc, c)[2], "  return a / b;", "the look-alike is untouched");
});

void test("a look-alike with no context to tell the places apart is refused, not guessed", () => {
  const a = anchorFix({ code: "}", startLine: 4 }, { start: 4, end: 4 }, "};");
  assert.throws(() => locateFix(["{", "}", "x", "}"], a), /appears at 2 places in the file; run the review again/);
  // Two places equally far from where it was, both in full context: refused as well.
  const b = anchorFix({ code: "a\nb\nc", startLine: 3 }, { start: 4, end: 4 }, "B");
  assert.throws(
    () => locateFix(["a", "b", "c", "x", "a", "b", "c"], b),
    (e: unknown) => e instanceof FixMovedError && /lines 2 and 6, equally likely/.test(e.message),
  );
});

void test("an insertion (a diff that only adds) goes only between the lines it was written between; when one changed it is refused", () => {
  const diff =
    '@@ -2,2 +2,3 @@\n export function divide(a: number, b: number): number {\n+  if (b === 0) throw new RangeError("b must not be 0");\n   return a / b;\n';
  const a = anchorFix(REVIEWED, { start: 3, end: 3 }, diff);
  assert.deepEqual(a.original, [], "a pure insertion");
  const moved = ["// header", "", ...FILE];
  assert.deepEqual(applyChange(moved, locateFix(moved, a)), ["// header", "", ...FIXED]);
  const signatureChanged = FILE.map((l) => l.replace("b: number)", "b: bigint)"));
  assert.throws(() => locateFix(signatureChanged, a), /around line 3, where the fix inserts lines, changed since the review/);
  const bodyChanged = FILE.map((l) => l.replace("return a / b", "return a / b / 1"));
  assert.throws(() => locateFix(bodyChanged, a), FixMovedError);
});

void test("an edit to any line the replacement was written for refuses it, even one the fix leaves alone", () => {
  const a = anchorFix(REVIEWED, { start: 2, end: 4 }, "export function divide(a: number, b: number): number {\n  return b === 0 ? NaN : a / b;\n}");
  const closingEdited = FILE.map((l) => (l === "}" ? "} // divide" : l));
  assert.throws(() => locateFix(closingEdited, a), /code at lines 2–4 changed since the review/);
});

void test("a unified diff of a reviewed selection: its hunk header counts file lines, the anchor follows the code", () => {
  const selection = { code: FILE.slice(1, 4).join("\n"), startLine: 2 };
  const diff = "--- a/m.ts\n+++ b/m.ts\n@@ -3,2 +3,2 @@\n-  return a / b;\n+  return b === 0 ? NaN : a / b;\n }\n";
  const a = anchorFix(selection, { start: 3, end: 3 }, diff);
  assert.deepEqual(a.change, { startLine: 3, endLine: 3, lines: ["  return b === 0 ? NaN : a / b;"] });
  const moved = ["import x from 'y';", ...FILE];
  assert.deepEqual(applyChange(moved, locateFix(moved, a)).slice(3, 5), ["  return b === 0 ? NaN : a / b;", "}"]);
});

void test("CRLF files and trailing whitespace trimmed on save still place the fix", () => {
  const crlfReviewed = { code: FILE.join("\r\n"), startLine: 1 };
  const a = anchorFix(crlfReviewed, { start: 3, end: 3 }, FIX.replace(/\n/g, "\r\n"));
  const docNow = ["// new", ...FILE].join("\r\n").split(/\r?\n/);
  assert.deepEqual(applyChange(docNow, locateFix(docNow, a)), ["// new", ...FIXED]);
  const padded = anchorFix({ code: FILE.map((l) => (l ? `${l}  ` : l)).join("\n"), startLine: 1 }, { start: 3, end: 3 }, "  return Number(a) / b;");
  assert.deepEqual(locateFix(FILE, padded), { startLine: 3, endLine: 3, lines: ["  return Number(a) / b;"] });
});

void test("a patch that does not fit the reviewed text fails when it is anchored, not when it is applied", () => {
  assert.throws(() => anchorFix(REVIEWED, { start: 3, end: 3 }, "@@ -3,1 +3,1 @@\n-  return a * b;\n+  x\n"), PatchError);
  assert.throws(() => anchorFix({ code: "a\nb", startLine: 10 }, { start: 3, end: 3 }, "x"), /outside the reviewed lines 10–11/);
});

void test("a saved anchor is checked before use: damaged ones are rejected", () => {
  const a = anchorFix(REVIEWED, { start: 2, end: 3 }, "export function divide(a: number, b: number) {\n  return a / b;");
  assert.ok(isFixAnchor(JSON.parse(JSON.stringify(a))), "survives the panel's JSON snapshot");
  assert.equal(isFixAnchor({ ...a, original: [] }), false, "original must cover the changed lines");
  assert.equal(isFixAnchor({ ...a, change: { ...a.change, lines: [1] } }), false);
  assert.equal(isFixAnchor({ ...a, before: undefined }), false);
  assert.equal(isFixAnchor("F1"), false);
});

void test("the board anchors each patch to the lines it was written for, and re-anchors a revised one", () => {
  const board = new FindingBoard("m.ts", REVIEWED);
  board.raise("alpha", { lines: { start: 2, end: 3 }, severity: "error", category: "bug", title: "t", rationale: "r" }, 1);
  // beta's patch is for line 3 only; it fills alpha's gap, and must not be read as a rewrite of lines 2–3.
  board.raise("beta", { lines: { start: 3, end: 3 }, severity: "error", category: "bug", title: "t", rationale: "r", patch: "  return b ? a / b : 0;" }, 1);
  const f = board.get("F1")!;
  assert.deepEqual(f.fix?.change, { startLine: 3, endLine: 3, lines: ["  return b ? a / b : 0;"] });
  assert.deepEqual(f.fix?.original, ["  return a / b;"]);
  board.setPatch("F1", "@@ -3,1 +3,1 @@\n-  return a * b;\n+  nope\n");
  const bad = board.get("F1")!;
  assert.equal(bad.fix, undefined);
  assert.match(bad.fixError ?? "", /does not fit the code that was reviewed/);
  assert.equal(
    new FindingBoard("m.ts").raise("a", { lines: { start: 1, end: 1 }, severity: "info", category: "x", title: "t", rationale: "r", patch: "y" }, 1).created,
    true,
  );
});
