// Quoting outside text in messages (src/core/quote.ts): escaped so that it cannot drive a terminal, capped so that
// a 100 KB name or an error page does not flood it, and never throwing on the values a hostile body can hold.
import assert from "node:assert/strict";
import { test } from "node:test";
import { quoteText, quoteValue, safeMessage, safeText } from "../../../src/core/quote";

void test("control, C1 and bidi characters are escaped; ordinary text and non-ASCII letters are kept", () => {
  assert.equal(safeText("a\u001b]0;title\u0007b\n\tc"), "a\\x1b]0;title\\x07b\\n\\tc");
  assert.equal(safeText("x\u009b2Jy\u202eevil"), "x\\x9b2Jy\\u202eevil");
  assert.equal(safeText("blk.0.attn_q.weight — ü 日本 😀"), "blk.0.attn_q.weight — ü 日本 😀");
});

void test("a long text is cut with a count of what was left out, never inside a surrogate pair", () => {
  const cut = safeText("n".repeat(100_000), 50);
  assert.equal(cut, `${"n".repeat(50)}… (99950 more characters)`);
  const emoji = safeText(`${"a".repeat(9)}😀tail`, 10);
  assert.ok(!/[\ud800-\udbff]…/.test(emoji), emoji);
  assert.equal(quoteText('say "hi"'), '"say \\"hi\\""');
});

void test("a value nested 100,000 deep or a million entries long is quoted briefly, without throwing", () => {
  const deep = JSON.parse("[".repeat(100_000) + "]".repeat(100_000)) as unknown;
  assert.throws(() => JSON.stringify(deep), RangeError, "what the sidecar used before");
  assert.equal(quoteValue(deep), "[[[[…]]]]");
  const long = quoteValue(Array.from({ length: 1_000_000 }, (_, i) => i));
  assert.ok(long.length <= 201, long);
  assert.match(long, /^\[0,1,2,/);
  assert.equal(quoteValue({ a: "x\u001by", b: [1, true, null] }), '{"a":"x\\x1by","b":[1,true,null]}');
  assert.equal(quoteValue("7"), '"7"');
});

void test("a long message keeps its start (what failed) and its end (what to do), escaped", () => {
  const m = safeMessage(`tensor ${"x".repeat(100_000)}\u001b[2J is F64; requantize it first`, 300);
  assert.ok(m.length < 340, `${m.length}`);
  assert.match(m, /^tensor x+ …\(\d+ characters cut\)… x+\\x1b\[2J is F64; requantize it first$/);
  assert.equal(safeMessage("short\u0007"), "short\\x07");
});
