import assert from "node:assert/strict";
import { test } from "node:test";
import type { ReviewEvent } from "../../../src/core/collab/text/events";
import { runReview, type ReviewRequest } from "../../../src/core/collab/text/review";
import { ProviderError } from "../../../src/core/providers/errors";
import { CODE, lastUser, review, scriptedModels, verdict } from "./scripted-models";

const DIV_BUG = {
  lines: [2, 2],
  severity: "error",
  category: "bug",
  title: "Division by zero",
  rationale: "b may be 0",
  patch: "  return b === 0 ? NaN : a / b;",
};
const EVAL = { lines: "5", severity: "critical", category: "security", title: "eval of input", rationale: "eval runs arbitrary code" };

function req(participants: string[], rounds: number, extra: Partial<ReviewRequest> = {}): ReviewRequest {
  return { mode: "debate", file: "src/div.js", code: CODE, startLine: 1, participants, judge: "judge", rounds, ...extra };
}

function roundOf(text: string): number {
  const m = /Round (\d+) of a review debate/.exec(text);
  return m ? Number(m[1]) : 1;
}

void test("debate: stops early when a round changes nothing, records stances, calls and cost", async () => {
  const s = scriptedModels(["a", "b", "judge"], (model, msgs) => {
    const u = lastUser(msgs);
    if (model === "judge")
      return verdict("Fix the division.", [
        { finding: "F1", decision: "accept", reason: "real" },
        { finding: "F2", decision: "accept", reason: "real" },
      ]);
    if (roundOf(u) === 1) return model === "a" ? review([DIV_BUG]) : review([EVAL]);
    return review(
      [],
      [
        { finding: "F1", stance: "support", reason: "yes" },
        { finding: "F2", stance: "agree", reason: "yes" },
      ],
    );
  });
  const events: ReviewEvent[] = [];
  const r = await runReview(s.models, req(["a", "b"], 5, { runId: "run-1" }), (e) => events.push(e));
  assert.equal(r.status, "converged");
  assert.equal(r.roundsRun, 2, "round 2 cast every vote and added nothing, so round 3 is skipped");
  assert.equal(r.findings.length, 2);
  const f1 = r.findings.find((f) => f.id === "F1")!;
  assert.deepEqual([f1.raisedBy, f1.supportedBy, f1.disputedBy], [["a"], ["b"], []]);
  assert.deepEqual(f1.lines, { start: 2, end: 2 });
  const f2 = r.findings.find((f) => f.id === "F2")!;
  assert.equal(f2.severity, "error", "critical maps to error");
  assert.deepEqual(f2.lines, { start: 5, end: 5 });
  assert.equal(r.verdict?.by, "judge");
  assert.equal(r.verdict?.summary, "Fix the division.");
  // 2 models × 2 rounds + judge, all in the ledger under this run.
  const entries = s.ledger.read().filter((e) => e.runId === "run-1");
  assert.equal(entries.length, 5);
  assert.ok(entries.every((e) => e.surface === "review" && e.mode === "debate" && e.ok));
  assert.ok(r.costUsd > 0);
  assert.equal(Math.round(r.costUsd * 1e9), Math.round(entries.reduce((x, e) => x + e.costUsd, 0) * 1e9));
  // Events: streamed in order, deltas before each model's done.
  const types = events.map((e) => e.type);
  assert.equal(types[0], "run-started");
  assert.equal(types.at(-1), "done");
  assert.ok(types.indexOf("model-delta") < types.indexOf("model-done"));
  assert.deepEqual(
    events.filter((e) => e.type === "round-started").map((e) => (e as { label: string }).label),
    ["Round 1", "Round 2", "Verdict"],
  );
  // Round 2 prompts carry the other model's previous answer, not the model's own.
  const aRound2 = s.calls.find((c) => c.model === "a" && roundOf(lastUser(c.messages)) === 2)!;
  assert.match(lastUser(aRound2.messages), /--- b said:/);
  assert.doesNotMatch(lastUser(aRound2.messages), /--- a said:/);
});

void test("debate: lasting dissent stays visible and reaches the judge", async () => {
  const s = scriptedModels(["a", "b", "judge"], (model, msgs) => {
    const u = lastUser(msgs);
    if (model === "judge") return verdict("Disputed.", [{ finding: "F1", decision: "uncertain", reason: "split" }]);
    if (roundOf(u) === 1) return model === "a" ? review([DIV_BUG]) : review([]);
    return model === "a"
      ? review([], [{ finding: "F1", stance: "support", reason: "callers pass 0" }])
      : review([], [{ finding: "F1", stance: "dispute", reason: "callers validate b first" }]);
  });
  const r = await runReview(s.models, req(["a", "b"], 3), () => {});
  const f1 = r.findings[0]!;
  assert.deepEqual(f1.disputedBy, ["b"]);
  assert.deepEqual(f1.raisedBy, ["a"]);
  assert.ok(f1.notes.some((n) => n.model === "b" && n.stance === "dispute" && n.reason === "callers validate b first"));
  const judgeCall = s.calls.find((c) => c.model === "judge")!;
  assert.match(lastUser(judgeCall.messages), /disputed by b/);
  assert.match(lastUser(judgeCall.messages), /b disputes: callers validate b first/);
  assert.deepEqual(r.verdict?.decisions, [{ finding: "F1", decision: "uncertain", reason: "split" }]);
});

void test("debate: a stance that flips keeps the debate going until stances settle", async () => {
  const s = scriptedModels(["a", "b", "judge"], (model, msgs) => {
    const u = lastUser(msgs);
    if (model === "judge") return verdict("ok");
    const round = roundOf(u);
    if (round === 1) return model === "a" ? review([DIV_BUG]) : review([]);
    if (round === 2)
      return model === "a"
        ? review([EVAL], [{ finding: "F1", stance: "support", reason: "" }])
        : review([], [{ finding: "F1", stance: "support", reason: "ok" }]);
    // Round 3 on: b changes its mind about F1 and keeps that stance.
    return review(
      [],
      [
        { finding: "F1", stance: model === "b" ? "dispute" : "support", reason: `round ${round}` },
        { finding: "F2", stance: "support", reason: "" },
      ],
    );
  });
  const r = await runReview(s.models, req(["a", "b"], 6), () => {});
  assert.equal(r.status, "converged");
  assert.equal(r.roundsRun, 4, "round 2 added a finding, round 3 flipped b's stance, round 4 changed nothing");
  assert.deepEqual(r.findings[0]!.disputedBy, ["b"]);
  assert.deepEqual(r.findings[0]!.supportedBy, []);
});

void test("debate: a participant that fails drops out with a note and the run goes on", async () => {
  const s = scriptedModels(["a", "b", "c", "judge"], (model, msgs) => {
    if (model === "c") return new ProviderError("server", "Ollama answered 500: model crashed");
    if (model === "judge") return verdict("ok");
    return roundOf(lastUser(msgs)) === 1 && model === "a" ? review([DIV_BUG]) : review([], [{ finding: "F1", stance: "support", reason: "y" }]);
  });
  const events: ReviewEvent[] = [];
  const r = await runReview(s.models, req(["a", "b", "c"], 2), (e) => events.push(e));
  assert.notEqual(r.status, "failed");
  assert.deepEqual(
    r.dropped.map((d) => d.model),
    ["c"],
  );
  assert.match(r.dropped[0]!.message, /model crashed/);
  const failed = events.filter((e) => e.type === "model-failed");
  assert.equal(failed.length, 1, "c is asked once, then left out of later rounds");
  assert.equal(s.calls.filter((c) => c.model === "c").length, 1);
  assert.deepEqual(r.findings[0]!.supportedBy, ["b"]);
  assert.ok(s.ledger.read().some((e) => e.model === "c" && !e.ok && e.error === "server"));
});

void test("debate: a round prompt too long for a model's context is sent again with shorter quotes, not dropped", async () => {
  // Each reviewer's first reply is long; "small" holds 3,000 characters of prompt, like the demo's 4,096-token models.
  const long = `${"A long explanation of the division. ".repeat(120)}`;
  const small = (msgs: { content: string }[]): boolean => msgs.reduce((n, m) => n + m.content.length, 0) > 3000;
  const s = scriptedModels(["a", "small", "judge"], (model, msgs) => {
    if (model === "small" && small(msgs)) return new ProviderError("context_too_long", "The prompt is too long for small: the prompt has 4873 tokens");
    if (model === "judge") return verdict("ok");
    if (roundOf(lastUser(msgs)) === 1) return review(model === "a" ? [DIV_BUG] : [], [], long);
    return review([], [{ finding: "F1", stance: "support", reason: "y" }]);
  });
  const events: ReviewEvent[] = [];
  const r = await runReview(s.models, req(["a", "small"], 2, { runId: "fit" }), (e) => events.push(e));
  assert.deepEqual(r.dropped, [], "nobody drops out");
  assert.deepEqual(r.findings[0]!.supportedBy, ["small"], "small's round-2 vote counted");
  const round2 = s.calls.filter((c) => c.model === "small" && roundOf(lastUser(c.messages)) === 2).map((c) => lastUser(c.messages));
  assert.ok(round2.length >= 2, "asked again");
  assert.ok(round2[0]!.includes(long.slice(0, 3000)), "first asked with the long quote");
  assert.ok(round2.at(-1)!.length < round2[0]!.length, "then with a shorter one");
  assert.match(round2.at(-1)!, /F1 \[error\/bug\]/, "the findings are still in the prompt");
  const retries = events.filter((e): e is Extract<ReviewEvent, { type: "model-retry" }> => e.type === "model-retry");
  assert.ok(retries.length >= 1 && retries.every((e) => e.cause === "context" && e.model === "small"));
  const ledger = s.ledger.read().filter((e) => e.runId === "fit" && e.model === "small");
  assert.ok(
    ledger.some((e) => !e.ok && e.error === "context_too_long"),
    "the refused call is in the ledger",
  );
  assert.ok(
    ledger.some((e) => e.ok && /shorter quotes/.test(e.reason ?? "")),
    "and the retry says why it was made",
  );
});

void test("debate: a model whose prompt is too long even without quotes drops out with the model's own error", async () => {
  const s = scriptedModels(["a", "tiny", "judge"], (model, msgs) => {
    if (model === "judge") return verdict("ok");
    if (model === "tiny" && roundOf(lastUser(msgs)) === 2) return new ProviderError("context_too_long", "The prompt is too long for tiny");
    return review([DIV_BUG]);
  });
  const events: ReviewEvent[] = [];
  const r = await runReview(s.models, req(["a", "tiny"], 2), (e) => events.push(e));
  assert.deepEqual(
    r.dropped.map((d) => d.model),
    ["tiny"],
  );
  assert.match(r.dropped[0]!.message, /too long for tiny/);
  assert.equal(events.filter((e) => e.type === "model-retry").length, 3, "4,000 → 1,200 → 300 → none");
  assert.match(lastUser(s.calls.filter((c) => c.model === "tiny").at(-1)!.messages), /not quoted, to keep the prompt short/);
});

void test("a repair prompt that fails keeps the first reply as prose instead of dropping the model", async () => {
  const s = scriptedModels(["a", "b", "judge"], (model, msgs) => {
    if (model === "judge") return verdict("ok");
    // b's first reply is not JSON; asking again (a longer prompt: it quotes the reply) is refused.
    if (model === "b")
      return msgs.some((m) => m.role === "assistant")
        ? new ProviderError("context_too_long", "The prompt is too long for b")
        : "I think line 2 divides by zero.";
    return review([DIV_BUG]);
  });
  const events: ReviewEvent[] = [];
  const r = await runReview(s.models, req(["a", "b"], 1), (e) => events.push(e));
  assert.deepEqual(r.dropped, []);
  const done = events.find((e): e is Extract<ReviewEvent, { type: "model-done" }> => e.type === "model-done" && e.model === "b")!;
  assert.equal(done.form, "prose");
  assert.equal(done.text, "I think line 2 divides by zero.");
  assert.ok(
    done.notes.some((n) => /asking again failed \(The prompt is too long for b\)/.test(n)),
    done.notes.join(" | "),
  );
});

void test("debate: every participant failing ends the run as failed, with a done event", async () => {
  const s = scriptedModels(["a", "b", "judge"], () => new Error("boom"));
  const events: ReviewEvent[] = [];
  const r = await runReview(s.models, req(["a", "b"], 2), (e) => events.push(e));
  assert.equal(r.status, "failed");
  assert.equal(events.at(-1)?.type, "done");
});

void test("debate: cancelling mid-round stops promptly and keeps the findings so far", async () => {
  const controller = new AbortController();
  const s = scriptedModels(
    ["a", "b", "judge"],
    (model, msgs) => {
      if (roundOf(lastUser(msgs)) === 2) setTimeout(() => controller.abort(), 5);
      return roundOf(lastUser(msgs)) === 1 && model === "a" ? review([DIV_BUG]) : review([], [], "x".repeat(2000));
    },
    { chunkDelayMs: 2 },
  );
  const events: ReviewEvent[] = [];
  const t0 = Date.now();
  const r = await runReview(s.models, req(["a", "b"], 3), (e) => events.push(e), controller.signal);
  assert.equal(r.status, "cancelled");
  assert.ok(Date.now() - t0 < 2000);
  assert.equal(r.findings.length, 1, "round 1's finding survives the cancel");
  assert.equal(s.calls.filter((c) => c.model === "judge").length, 0);
  assert.equal(events.at(-1)?.type, "done");
  assert.equal(events.filter((e) => e.type === "model-failed").length, 0, "a cancel is not a model failure");
  assert.ok(s.ledger.read().some((e) => e.error === "cancelled"));
});

void test("malformed replies: repaired once, else kept as prose, never a crash", async () => {
  const s = scriptedModels(["a", "b", "judge"], (model, msgs) => {
    const u = lastUser(msgs);
    if (model === "judge") return "I think the code is fine overall.";
    if (model === "a") return u.startsWith("Your reply could not be read") ? review([DIV_BUG]) : "Looks buggy: line 2 divides by b. {not json";
    return "No JSON from me, ever.";
  });
  const events: ReviewEvent[] = [];
  const r = await runReview(s.models, req(["a", "b"], 1), (e) => events.push(e));
  const done = events.filter((e): e is Extract<ReviewEvent, { type: "model-done" }> => e.type === "model-done");
  assert.equal(done.find((d) => d.model === "a")?.form, "repaired");
  const b = done.find((d) => d.model === "b")!;
  assert.equal(b.form, "prose");
  assert.equal(b.text, "No JSON from me, ever.");
  assert.match(b.notes.join(" "), /Kept as prose/);
  assert.equal(events.filter((e) => e.type === "model-retry").length, 3, "a, b and the judge each get one repair prompt");
  assert.equal(r.findings.length, 1);
  assert.equal(r.verdict?.form, "prose");
  assert.equal(r.verdict?.summary, "I think the code is fine overall.");
});

void test("when no reply at all can be read, 'no findings' says so instead of reading as a clean bill of health", async () => {
  const s = scriptedModels(["a", "b", "judge"], () => "rererererererinst");
  const r = await runReview(s.models, req(["a", "b"], 1), () => {});
  assert.equal(r.status, "completed");
  assert.equal(r.findings.length, 0);
  assert.match(r.reason, /but no reply could be read as findings/);
  // Readable replies that find nothing are a real "no findings".
  const clean = scriptedModels(["a", "b", "judge"], (model) => (model === "judge" ? JSON.stringify({ summary: "fine", decisions: [] }) : review([])));
  const ok = await runReview(clean.models, req(["a", "b"], 1), () => {});
  assert.doesNotMatch(ok.reason, /could be read/);
});

void test("a judge that fails gives a counted verdict that says so", async () => {
  const s = scriptedModels(["a", "b", "judge"], (model, msgs) => {
    if (model === "judge") return new ProviderError("unreachable", "Ollama is not running");
    if (roundOf(lastUser(msgs)) === 1) return model === "a" ? review([DIV_BUG]) : review([]);
    return review([], [{ finding: "F1", stance: model === "a" ? "support" : "dispute", reason: "no" }]);
  });
  const r = await runReview(s.models, req(["a", "b"], 2), () => {});
  assert.equal(r.verdict?.form, "fallback");
  assert.equal(r.verdict?.by, "chorus");
  assert.match(r.verdict!.summary, /judge judge could not give a verdict \(Ollama is not running\)/);
  assert.deepEqual(r.verdict?.decisions[0], { finding: "F1", decision: "uncertain", reason: "1 for, 1 against" });
});

void test("bad requests are refused before any model is called, saying what to change", async () => {
  const s = scriptedModels(["a", "b"], () => review([]));
  await assert.rejects(
    runReview(s.models, req(["a"], 2), () => {}),
    /at least two different models/,
  );
  await assert.rejects(
    runReview(s.models, req(["a", "b"], 0), () => {}),
    /Rounds must be a whole number from 1 to 10/,
  );
  await assert.rejects(
    runReview(s.models, req(["a", "zzz"], 2), () => {}),
    /No model with the id "zzz"/,
  );
  await assert.rejects(
    runReview(s.models, req(["a", "b"], 2, { code: "  \n" }), () => {}),
    /no code to review/,
  );
  assert.equal(s.calls.length, 0);
});

void test("privacy: a cloud participant never sees a local-only file; it drops out naming the rule", async () => {
  const s = scriptedModels(
    ["a", "cloudy", "judge"],
    (model, msgs) => (model === "judge" ? verdict("ok") : roundOf(lastUser(msgs)) === 1 && model === "a" ? review([DIV_BUG]) : review([])),
    { cloud: ["cloudy"] },
  );
  const r = await runReview(s.models, req(["a", "cloudy"], 1, { file: "config/secrets/keys.js" }), () => {});
  assert.equal(s.calls.filter((c) => c.model === "cloudy").length, 0, "nothing reached the cloud model");
  assert.deepEqual(
    r.dropped.map((d) => d.model),
    ["cloudy"],
  );
  assert.match(r.dropped[0]!.message, /secrets/);
  assert.equal(r.findings.length, 1, "the local model's review still counts");
});
