import * as assert from "node:assert/strict";
import { test } from "node:test";
import { followUpQuestion } from "../../../src/core/ask-thread";

void test("a first question is sent as it is", () => {
  assert.equal(followUpQuestion([], "What does add do?"), "What does add do?");
});

void test("a follow-up carries the earlier turns, in order, before the new question", () => {
  const q = followUpQuestion(
    [
      { question: "What does add do?", answer: "It adds two numbers." },
      { question: "Can it overflow?", answer: "" },
    ],
    "And for strings?",
  );
  assert.match(q, /Q: What does add do\?\nA: It adds two numbers\.\n\nQ: Can it overflow\?\nA: \(no answer\)\n\nFollow-up question: And for strings\?$/);
});

void test("a long thread keeps the newest turns within the budget and drops the oldest", () => {
  const long = "x".repeat(900);
  const turns = [1, 2, 3, 4].map((i) => ({ question: `q${i}`, answer: long }));
  const q = followUpQuestion(turns, "next?", 2000);
  assert.ok(!q.includes("Q: q1") && !q.includes("Q: q2"), "the oldest turns are dropped");
  assert.ok(q.includes("Q: q4") && q.includes("Q: q3"));
  assert.ok(q.length < 2000 + 100);
});
