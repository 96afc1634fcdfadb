// The final verdict of a run: the judge's (or aggregator's) reply, or, when that model fails, a count of the
// reviewers' votes that says plainly it is only a count.

import type { ReviewEvent, Verdict } from "./events";
import { agreement, type Finding } from "./findings";
import type { ReviewPrompt, ReviewSession } from "./session";

export async function runVerdict(
  session: ReviewSession,
  judge: string,
  round: number,
  label: string,
  prompt: ReviewPrompt,
  emit: (e: ReviewEvent) => void,
): Promise<Verdict> {
  session.startRound(round, label, [judge]);
  const reply = await session.askVerdict(judge, round, prompt);
  let verdict: Verdict;
  if (!reply) {
    const why = session.dropped.find((d) => d.model === judge)?.message ?? "it failed";
    verdict = countedVerdict(session.board.snapshot(), `The judge ${judge} could not give a verdict (${why}). This summary only counts the reviewers' votes.`);
  } else if (!reply.parsed) {
    verdict = { by: judge, summary: reply.text, decisions: [], form: "prose" };
  } else {
    const known = new Set(session.board.snapshot().map((f) => f.id));
    for (const d of reply.parsed.decisions) if (d.patch && known.has(d.finding)) session.board.setPatch(d.finding, d.patch);
    verdict = {
      by: judge,
      summary: reply.parsed.summary,
      decisions: reply.parsed.decisions.filter((d) => known.has(d.finding)).map(({ finding, decision, reason }) => ({ finding, decision, reason })),
      form: reply.form,
    };
    if (verdict.decisions.some((d) => reply.parsed?.decisions.find((x) => x.finding === d.finding)?.patch)) session.findingsUpdated(round);
  }
  emit({ type: "verdict", verdict });
  return verdict;
}

export function countedVerdict(findings: Finding[], preface: string): Verdict {
  const decisions = findings.map((f) => {
    const a = agreement(f);
    const decision =
      a.against === 0 ? ("accept" as const) : a.for > a.against ? ("accept" as const) : a.for < a.against ? ("reject" as const) : ("uncertain" as const);
    return { finding: f.id, decision, reason: `${a.for} for, ${a.against} against` };
  });
  const contested = findings.filter((f) => f.disputedBy.length > 0).length;
  return { by: "chorus", summary: `${preface} ${findings.length} findings, ${contested} disputed.`, decisions, form: "fallback" };
}
