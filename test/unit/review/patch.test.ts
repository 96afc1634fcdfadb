import assert from "node:assert/strict";
import { test } from "node:test";
import { applyChange, patchToChange } from "../../../src/core/collab/text/patch";

const DOC = ["function div(a, b) {", "  return a / b;", "}", "", "const x = 1;"];

void test("replacement text replaces the finding's lines, fences stripped, change kept minimal", () => {
  const c = patchToChange(DOC, { start: 1, end: 3 }, "```js\nfunction div(a, b) {\n  if (b === 0) return NaN;\n  return a / b;\n}\n```");
  assert.deepEqual(c, { startLine: 2, endLine: 1, lines: ["  if (b === 0) return NaN;"] });
  assert.deepEqual(applyChange(DOC, c), ["function div(a, b) {", "  if (b === 0) return NaN;", "  return a / b;", "}", "", "const x = 1;"]);
});

void test("a unified diff applies at its stated line, or where its context moved", () => {
  const diff = "--- a/d.js\n+++ b/d.js\n@@ -2,2 +2,2 @@\n-  return a / b;\n+  return b === 0 ? NaN : a / b;\n }\n";
  assert.deepEqual(applyChange(DOC, patchToChange(DOC, { start: 2, end: 2 }, diff)).slice(0, 3), [
    "function div(a, b) {",
    "  return b === 0 ? NaN : a / b;",
    "}",
  ]);
  const shifted = ["// header", "", ...DOC];
  const c = patchToChange(shifted, { start: 4, end: 4 }, diff);
  assert.equal(c.startLine, 4);
  assert.deepEqual(c.lines, ["  return b === 0 ? NaN : a / b;"]);
});

void test("a diff that does not match, or lines outside the file, give an error that says what to do", () => {
  assert.throws(
    () => patchToChange(DOC, { start: 2, end: 2 }, "@@ -2,1 +2,1 @@\n-  return a * b;\n+  x\n"),
    /does not match the file near line 2.*Run the review again/,
  );
  assert.throws(() => patchToChange(DOC, { start: 4, end: 9 }, "x"), /outside the file \(5 lines\)/);
});
