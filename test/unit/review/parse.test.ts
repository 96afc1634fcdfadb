import assert from "node:assert/strict";
import { test } from "node:test";
import { extractJson, parseReviewReply, parseVerdictReply } from "../../../src/core/collab/text/parse";

const RANGE = { start: 1, end: 20 };

void test("extractJson: fenced, bare with braces inside strings, prose around it", () => {
  assert.deepEqual(extractJson('Here:\n```json\n{"a": 1}\n```\nbye'), { ok: true, value: { a: 1 } });
  assert.deepEqual(extractJson('I think {"s": "a } brace \\" quote", "n": {"m": 2}} done'), { ok: true, value: { s: 'a } brace " quote', n: { m: 2 } } });
  const bad = extractJson("no json here");
  assert.equal(bad.ok, false);
  const broken = extractJson('```json\n{"a": 1,,}\n```');
  assert.ok(!broken.ok && /does not parse/.test(broken.error));
});

void test("parseReviewReply: line formats, severities, clamping, skipped entries with reasons", () => {
  const r = parseReviewReply(
    JSON.stringify({
      findings: [
        { lines: "3-5", severity: "HIGH", category: "Bug", rationale: "x. more", patch: "y" },
        { lines: [9, 7], rationale: "reversed" },
        { line: 18, lines: undefined, rationale: "clamped end", range: undefined },
        { lines: { start: 19, end: 40 }, rationale: "clamped" },
        { lines: [50, 60], rationale: "outside" },
        { lines: 4 },
        "nonsense",
      ],
      votes: [
        { finding: "F1", stance: "Agree", reason: "r" },
        { finding: "F2", stance: "maybe" },
      ],
      summary: "s",
    }),
    RANGE,
  );
  assert.ok(r.ok);
  const v = r.value;
  assert.deepEqual(
    v.findings.map((f) => [f.lines.start, f.lines.end]),
    [
      [3, 5],
      [7, 9],
      [18, 18],
      [19, 20],
    ],
  );
  assert.equal(v.findings[0]!.severity, "error");
  assert.equal(v.findings[0]!.category, "bug");
  assert.equal(v.findings[0]!.title, "x");
  assert.equal(v.findings[1]!.severity, "info");
  assert.deepEqual(v.votes, [{ finding: "F1", stance: "support", reason: "r" }]);
  assert.equal(v.warnings.length, 4);
  assert.ok(v.warnings.some((w) => /finding 5 has no line range inside 1–20/.test(w)));
  assert.ok(v.warnings.some((w) => /finding 6 has no rationale/.test(w)));
  assert.ok(v.warnings.some((w) => /vote 2 needs/.test(w)));
});

void test("parseReviewReply: JSON without findings or votes is an error, not an empty review", () => {
  const r = parseReviewReply('{"answer": 42}', RANGE);
  assert.ok(!r.ok && /neither "findings" nor "votes"/.test(r.error));
});

void test("parseVerdictReply: needs a summary; normalises decisions", () => {
  const v = parseVerdictReply('```\n{"verdict": "ok", "decisions": [{"id": "f2", "decision": "Accepted"}, {"finding": "F3"}]}\n```');
  assert.ok(v.ok);
  assert.equal(v.value.summary, "ok");
  assert.deepEqual(v.value.decisions, [{ finding: "F2", decision: "accept", reason: "", patch: undefined }]);
  assert.equal(v.value.warnings.length, 1);
  assert.equal(parseVerdictReply('{"decisions": []}').ok, false);
});
