// The demo UI test's check that ghost text is code-like: it must fail what the bigram demo models wrote (issue #21)
// and pass ordinary TypeScript completions.
import assert from "node:assert/strict";
import { test } from "node:test";
import { codeLike } from "../../e2e/code-like";

void test("the bigram models' noise is not code-like", () => {
  for (const noise of ["erererererererer", "\u0002\ufffd\u0007\ufffd3\ufffd\ufffd\u0002\ufffd\u0007", "                ", "a", "abababab("])
    assert.equal(codeLike(noise).ok, false, JSON.stringify(noise));
});

void test("ordinary TypeScript completions are code-like", () => {
  for (const code of [
    "return a - b;",
    "tract(a: number, b: number): number {",
    "  const total = items.length;",
    "new Map<string, number>()",
    "    if (x) {\n      return;",
  ])
    assert.deepEqual(codeLike(code), { ok: true, why: [] }, code);
});
