// Later debate outcomes teach the router: the pure lesson of a run or an applied fix, and a real debate over the
// fake Ollama (cheap tier) and fake OpenAI (strong tier) servers whose outcome moves later routing decisions.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiCollab } from "../../../src/core/collab/api/api-collab";
import { appliedFixLesson, learnFromReviewRun, reviewLesson, reviewRequest, reviewTiers, type ReviewTiers } from "../../../src/core/collab/api/review-lesson";
import type { Verdict } from "../../../src/core/collab/text/events";
import type { Finding } from "../../../src/core/collab/text/findings";
import { runReview } from "../../../src/core/collab/text/review";
import type { ModelConfig } from "../../../src/core/config";
import { startRig } from "./setup";

function finding(id: string, raisedBy: string[], stances: { supportedBy?: string[]; disputedBy?: string[] } = {}): Finding {
  return {
    id,
    file: "a.ts",
    lines: { start: 1, end: 1 },
    severity: "warning",
    category: id,
    title: id,
    rationale: "",
    raisedBy,
    supportedBy: stances.supportedBy ?? [],
    disputedBy: stances.disputedBy ?? [],
    notes: [],
    round: 1,
  };
}

const verdict = (decisions: [string, "accept" | "reject" | "uncertain"][]): Verdict => ({
  by: "judge",
  summary: "",
  form: "json",
  decisions: decisions.map(([f, decision]) => ({ finding: f, decision, reason: "" })),
});
const tiers: ReviewTiers = { cheap: new Set(["small"]), strong: new Set(["big"]) };
const done = (findings: Finding[], v?: Verdict) => ({ status: "completed" as const, findings, verdict: v });

void test("review lesson: what the strong tier alone got right (or the cheap tier alone got wrong) says the strong tier was needed", () => {
  const strongKept = reviewLesson(
    done(
      [finding("F1", ["big"]), finding("F2", ["small", "big"])],
      verdict([
        ["F1", "accept"],
        ["F2", "accept"],
      ]),
    ),
    tiers,
  );
  assert.equal(strongKept?.needStrong, 1);
  assert.match(strongKept?.why ?? "", /kept, raised by the strong tier only: F1; kept, raised by both: F2/);
  const cheapWrong = reviewLesson(done([finding("F1", ["small"])], verdict([["F1", "reject"]])), tiers);
  assert.equal(cheapWrong?.needStrong, 1);
  assert.match(cheapWrong?.why ?? "", /thrown out, raised by the cheap tier only: F1/);
});

void test("review lesson: findings both tiers raised, or the cheap tier's own kept ones, say the cheap tier was enough", () => {
  assert.equal(reviewLesson(done([finding("F1", ["small", "big"])], verdict([["F1", "accept"]])), tiers)?.needStrong, 0);
  const cheapBetter = reviewLesson(
    done(
      [finding("F1", ["small"]), finding("F2", ["big"])],
      verdict([
        ["F1", "accept"],
        ["F2", "reject"],
      ]),
    ),
    tiers,
  );
  assert.equal(cheapBetter?.needStrong, 0);
  // One each way is a draw with nothing shared: no lesson.
  assert.equal(
    reviewLesson(
      done(
        [finding("F1", ["small"]), finding("F2", ["big"])],
        verdict([
          ["F1", "accept"],
          ["F2", "accept"],
        ]),
      ),
      tiers,
    ),
    undefined,
  );
});

void test("review lesson: without the judge's decision the votes decide; an uncertain or split finding, a stopped run or one tier teach nothing", () => {
  // No decisions (a prose verdict): F1 raised by big, unopposed → kept; F2 raised by small, then disputed by big and by
  // small itself → thrown out.
  const votes = reviewLesson(done([finding("F1", ["big"]), finding("F2", ["small"], { disputedBy: ["big", "small"] })]), tiers);
  assert.equal(votes?.needStrong, 1);
  assert.match(votes?.why ?? "", /strong tier only: F1.*cheap tier only: F2/);
  assert.equal(reviewLesson(done([finding("F1", ["big"], { disputedBy: ["small"] })]), tiers), undefined, "split 1–1");
  assert.equal(reviewLesson(done([finding("F1", ["big"])], verdict([["F1", "uncertain"]])), tiers), undefined);
  assert.equal(reviewLesson({ status: "cancelled", findings: [finding("F1", ["big"])], verdict: verdict([["F1", "accept"]]) }, tiers), undefined);
  assert.equal(reviewLesson({ status: "failed", findings: [finding("F1", ["big"])], verdict: verdict([["F1", "accept"]]) }, tiers), undefined);
  assert.equal(reviewLesson(done([finding("F1", ["big"])], verdict([["F1", "accept"]])), { cheap: new Set(), strong: new Set(["big"]) }), undefined);
});

void test("review lesson: an applied fix counts for the tier that alone raised it", () => {
  assert.equal(appliedFixLesson(finding("F1", ["big"]), tiers)?.needStrong, 1);
  assert.equal(appliedFixLesson(finding("F1", ["small"]), tiers)?.needStrong, 0);
  assert.equal(appliedFixLesson(finding("F1", ["small", "big"]), tiers), undefined);
});

void test("review tiers: a participant counts for a tier only when it is not in the other; an only model is in both and counts for neither", () => {
  const models: ModelConfig[] = [
    { id: "small", provider: "ollama", model: "s", tags: ["local", "fast"] },
    { id: "big", provider: "openai", model: "b", tags: ["cloud", "strong"], priceIn: 5, priceOut: 15 },
    { id: "mid", provider: "ollama", model: "m", tags: ["local"] },
  ];
  const t = reviewTiers(models, ["small", "big"]);
  assert.deepEqual([[...t.cheap], [...t.strong]], [["small"], ["big"]]);
  const only = reviewTiers([models[0]!], ["small"]);
  assert.deepEqual([only.cheap.size, only.strong.size], [0, 0]);
  // Two local models and nothing tagged strong: each is in both tiers, so a review between them teaches nothing.
  const locals = reviewTiers([models[0]!, models[2]!], ["small", "mid"]);
  assert.deepEqual([locals.cheap.size, locals.strong.size], [0, 0]);
});

const CODE = ["export function divide(a: number, b: number): number {", "  return a / b;", "}"].join("\n");
const reviewJson = (findings: unknown[]) => "```json\n" + JSON.stringify({ findings, votes: [], summary: "done" }) + "\n```";

void test("a debate the strong model wins teaches the router to send asks about that kind of code to the strong model, persisted", async () => {
  // The cheap reviewer flags style, the strong one the bug; the judge keeps the bug and throws out the style note.
  const rig = await startRig({
    localReply: (r) =>
      r.prompt.startsWith("Review this code")
        ? reviewJson([{ lines: [1, 1], severity: "info", category: "style", title: "No doc comment", rationale: "say what it does" }])
        : "fine",
    cloudReply: (r) => {
      if (r.prompt.includes("Decide each finding"))
        return JSON.stringify({
          summary: "Guard b.",
          decisions: [
            { finding: "F1", decision: "reject", reason: "not needed" },
            { finding: "F2", decision: "accept", reason: "b = 0" },
          ],
        });
      return r.prompt.startsWith("Review this code")
        ? reviewJson([{ lines: [2, 2], severity: "error", category: "bug", title: "Division by zero", rationale: "b may be 0" }])
        : "fine";
    },
    collab: { strongShare: 0.5 },
  });
  try {
    const req = {
      mode: "debate" as const,
      file: "src/divide.ts",
      languageId: "typescript",
      code: CODE,
      startLine: 1,
      participants: ["small", "big"],
      judge: "big",
      rounds: 1,
    };
    const ask = { text: CODE, surface: "review" as const, languageId: "typescript", filePath: "src/divide.ts" };
    const before = rig.collab.router.score(ask).p;
    const result = await runReview(rig.engine.models, req, () => undefined);
    assert.equal(result.status, "completed", result.reason);
    assert.deepEqual(
      result.findings.map((f) => [f.id, f.raisedBy]),
      [
        ["F1", ["small"]],
        ["F2", ["big"]],
      ],
    );
    const lesson = learnFromReviewRun(rig.collab, rig.engine.config.models, req, result);
    assert.equal(lesson?.needStrong, 1, lesson?.why);
    const after = rig.collab.router.score(ask).p;
    assert.ok(after > before + 0.02, `p(strong) for that code rose: ${before.toFixed(3)} → ${after.toFixed(3)}`);
    // It carries over to an Ask about the same file's code, which shares the language, file and code features.
    const fresh = new ApiCollab(undefined);
    const askAbout = { ...reviewRequest(req), surface: "ask" as const, text: `Why does this return Infinity?\n${CODE}` };
    assert.ok(rig.collab.router.score(askAbout).p > fresh.router.score(askAbout).p, "the lesson reaches Ask too");
    // Persisted: a router loaded from the same storage has learned it.
    const reloaded = new ApiCollab(`${rig.storageDir}/routing`);
    assert.ok(Math.abs(reloaded.router.score(ask).p - after) < 1e-4, "weights are stored to 6 digits");
    // With learning off nothing changes.
    rig.collab.configure({ learn: false });
    assert.equal(learnFromReviewRun(rig.collab, rig.engine.config.models, req, result), undefined);
    assert.equal(rig.collab.router.score(ask).p, after);
  } finally {
    await rig.close();
  }
});
