// Fitting an editor's completion prompt into a model's context by whole lines (src/sidecar/generation/fit-prompt.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { fitByLines, promptTokenLimit } from "../../../src/sidecar/generation/fit-prompt";

const chars = (p: { prefix: string; suffix: string }) => p.prefix.length + p.suffix.length;
const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${String(i).padStart(3, "0")}\n`).join("");

void test("drops the oldest whole lines first, keeping the cursor's line and the suffix", () => {
  const prefix = `${lines(10, "p")}const x = `; // ten 5-character lines, then the cursor's line
  const suffix = lines(2, "s");
  const fitted = fitByLines({ prefix, suffix }, 30, chars)!;
  assert.equal(fitted.suffix, suffix);
  assert.equal(fitted.prefix, "p008\np009\nconst x = ", "the most lines that fit, ending at the cursor");
  assert.ok(chars(fitted) <= 30);
  assert.deepEqual(fitByLines({ prefix, suffix }, 1000, chars), { prefix, suffix }, "what fits is untouched");
});

void test("the cut stays put while the user types on the cursor's line, so a cached prompt prefix stays valid", () => {
  const before = lines(40, "p");
  const cuts = new Set<string>();
  for (let typed = 0; typed < 4; typed++) {
    const fitted = fitByLines({ prefix: `${before}${"x".repeat(typed)}`, suffix: "" }, 103, chars)!;
    cuts.add(fitted.prefix.slice(0, 5));
  }
  assert.equal(cuts.size, 1, [...cuts].join(","));
});

void test("then the farthest suffix lines; nothing when the cursor's line alone is too long", () => {
  const fitted = fitByLines({ prefix: "a\nb\nlet y = ", suffix: lines(5, "s") }, 20, chars)!;
  assert.deepEqual(fitted, { prefix: "let y = ", suffix: "s000\ns001\n" });
  assert.equal(fitByLines({ prefix: "x".repeat(50), suffix: "" }, 20, chars), undefined);
});

void test("the prompt's room leaves space for the reply, at most half the context", () => {
  assert.equal(promptTokenLimit(-1, 2048, 64), 1984);
  assert.equal(promptTokenLimit(-1, 2048, 5000), 1024);
  assert.equal(promptTokenLimit(100, 2048, 64), 100);
});
