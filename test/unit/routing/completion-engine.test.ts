import assert from "node:assert/strict";
import { test } from "node:test";
import { assembleFim } from "../../../src/core/completion/fim";
import { LruCache } from "../../../src/core/completion/lru";
import { cleanCompletion, cursorShape } from "../../../src/core/completion/policy";
import { CompletionEngine, type CompletionDocument } from "../../../src/core/completion/session";
import { AdaptiveDebounce } from "../../../src/core/completion/debounce";
import type { CompletionInput } from "../../../src/core/modes";

const doc = (prefix: string, suffix = "\n"): CompletionDocument => ({ editorKey: "e1", prefix, suffix, languageId: "typescript", filePath: "/p/a.ts" });

void test("LRU evicts the least recently used entry", () => {
  const c = new LruCache<string, number>(2);
  c.set("a", 1);
  c.set("b", 2);
  c.get("a");
  c.set("c", 3);
  assert.equal(c.get("b"), undefined);
  assert.equal(c.get("a"), 1);
  assert.throws(() => new LruCache(0), /capacity/);
});

void test("FIM assembly keeps the budget and cuts on line boundaries", () => {
  const prefix = Array.from({ length: 100 }, (_, i) => `line ${i}`).join("\n") + "\nconst x = ";
  const suffix = "\n" + Array.from({ length: 100 }, (_, i) => `after ${i}`).join("\n");
  const f = assembleFim(prefix, suffix, { prefixChars: 60, suffixChars: 40 });
  assert.ok(f.prefix.length <= 60 && f.prefix.endsWith("const x = "));
  assert.match(f.prefix, /^line \d+\n/, "starts at a whole line");
  assert.ok(f.suffix.length <= 40 && f.suffix.endsWith("\n"));
});

void test("single- vs multi-line policy and skipping mid-line", () => {
  assert.deepEqual(cursorShape("function f() {", "\n}"), { atLineEnd: true, multiline: true });
  assert.deepEqual(cursorShape("const x = ", "\n"), { atLineEnd: true, multiline: false });
  assert.deepEqual(cursorShape("foo(", ");\n"), { atLineEnd: true, multiline: true });
  assert.equal(cursorShape("const x = ", "y + 1;\n").skip, "the cursor is in the middle of a line");
  assert.equal(cleanCompletion("a + b;\nmore", "\n", false), "a + b;");
  assert.equal(cleanCompletion("g(1));", ");\n", false), "g(1)", "the closers already after the cursor are not repeated");
});

void test("adaptive debounce follows the typing speed", () => {
  const d = new AdaptiveDebounce({ minMs: 50, maxMs: 1000, rate: 2 });
  for (let t = 0; t <= 1000; t += 100) d.keystroke(t);
  assert.equal(d.delayMs(), 200);
  d.response(120);
  assert.equal(d.delayMs(), 80);
  const fast = new AdaptiveDebounce({ minMs: 50, maxMs: 1000, rate: 2 });
  for (let t = 0; t <= 100; t += 10) fast.keystroke(t);
  assert.equal(fast.delayMs(), 50, "clamped to the minimum");
});

void test("a burst of keystrokes: one request in flight, stale ones cancelled, the last one answered, then cached", async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  const started: string[] = [];
  const aborted: string[] = [];
  const complete = (input: CompletionInput, signal: AbortSignal) => {
    started.push(input.prefix);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise<{ text: string; decision: { model: string; action: string; reason: string } }>((resolve, reject) => {
      const t = setTimeout(() => {
        inFlight--;
        resolve({ text: `${input.prefix.length}`, decision: { model: "m", action: "single", reason: "" } });
      }, 30);
      signal.addEventListener("abort", () => {
        clearTimeout(t);
        aborted.push(input.prefix);
        // Settles a little later, as a real HTTP request does after abort.
        setTimeout(() => {
          inFlight--;
          reject(Object.assign(new Error("aborted"), { name: "AbortError" }));
        }, 5);
      });
    });
  };
  const engine = new CompletionEngine({ engine: { complete }, debounce: { minMs: 1, maxMs: 5, rate: 1 } });
  const results: Promise<unknown>[] = [];
  const controllers: AbortController[] = [];
  let prefix = "let total = ";
  for (let i = 0; i < 40; i++) {
    controllers.at(-1)?.abort(); // VS Code cancels the previous provideInlineCompletionItems
    const c = new AbortController();
    controllers.push(c);
    prefix += "x";
    results.push(engine.request(doc(prefix), c.signal));
    await new Promise((r) => setTimeout(r, 2 + (i % 3) * 4));
  }
  const settled = await Promise.all(results);
  assert.equal(maxInFlight, 1, "never more than one model request at once");
  assert.equal(engine.maxInFlight, 1);
  const last = settled.at(-1) as { text: string; fromCache: boolean } | undefined;
  assert.equal(last?.text, String(prefix.length), "the newest request is answered");
  assert.ok(started.length < 40, `debounce and cancellation dropped most keystrokes (${started.length} of 40 reached the model)`);
  assert.ok(aborted.length + 1 >= started.length - 1);
  const again = await engine.request(doc(prefix), new AbortController().signal);
  assert.equal(again?.fromCache, true);
  assert.equal(again?.text, last?.text);
});

void test("type-ahead: typing the start of a cached completion still hits the cache", async () => {
  let calls = 0;
  const engine = new CompletionEngine({
    engine: { complete: async () => (calls++, { text: "items.length;", decision: { model: "m", action: "single", reason: "" } }) },
    debounce: { minMs: 0, maxMs: 0, rate: 0 },
  });
  const first = await engine.request(doc("return "), new AbortController().signal);
  assert.equal(first?.text, "items.length;");
  const typed = await engine.request(doc("return ite"), new AbortController().signal);
  assert.equal(typed?.text, "ms.length;");
  assert.equal(typed?.fromCache, true);
  assert.equal(calls, 1);
});

void test("a request that shows nothing says why (the log's answer to 'why no ghost text?')", async () => {
  const skipped: string[] = [];
  const actionable: boolean[] = [];
  let reply = "y;";
  const engine = new CompletionEngine({
    engine: { complete: async () => ({ text: reply, decision: { model: "fake-local", action: "routed", reason: "" } }) },
    debounce: { minMs: 20, maxMs: 20, rate: 0 },
    onSkip: (why, userCanAct) => (skipped.push(why), actionable.push(userCanAct)),
  });
  const never = new AbortController().signal;

  assert.equal(await engine.request(doc("const x = ", "y;\n"), never), undefined);
  assert.deepEqual(skipped, ["the cursor is in the middle of a line"]);

  // A second keystroke in the same editor during the first one's debounce replaces it.
  const first = engine.request(doc("const x = "), never);
  const second = engine.request(doc("const x = 1"), never);
  assert.equal(await first, undefined);
  assert.match(skipped[1] ?? "", /newer keystroke/);
  assert.equal((await second)?.text, "y;");

  // The model repeats only what already follows the cursor: nothing to show, and the log names the model.
  reply = ");";
  assert.equal(await engine.request(doc("f(a", ");\n"), never), undefined);
  assert.match(skipped[2] ?? "", /^fake-local answered nothing to show/);
  assert.equal(skipped.length, 3, "an answered request reports no skip");
  // Only the empty answer is something the user can act on (another mode or model): the extension logs that one
  // at Info level; the routine skips of typing stay at Debug.
  assert.deepEqual(actionable, [false, false, true]);
});
