// Prompts for the review modes. Every reviewer answers in one JSON shape, so debate, refine and mixture share a
// parser. The debate prompts ask each model to keep its own judgement: agreeing is allowed, being talked into it
// is not asked for (debating until everyone agrees manufactures consensus).

import type { ChatMessage } from "../../providers/types";
import type { Finding } from "./findings";

export interface CodeUnderReview {
  file: string;
  languageId?: string;
  code: string;
  /** Line number of the first line of `code` in the file (1-based). */
  startLine: number;
  /** What the user asked to focus on, if anything. */
  focus?: string;
}

const REVIEW_SCHEMA = `Reply with one JSON object and nothing else:
{
  "findings": [
    {"lines": [START, END], "severity": "error" | "warning" | "info", "category": "bug" | "security" | "performance" | "readability" | "style" | "other",
     "title": "short title", "rationale": "why this is a problem", "patch": "replacement text for lines START..END (whole lines), or omit"}
  ],
  "votes": [ {"finding": "F1", "stance": "support" | "dispute", "reason": "why"} ],
  "summary": "one or two sentences"
}
Line numbers are the ones shown at the left of the code. "findings" lists only NEW issues; use "votes" for existing ones.`;

const VERDICT_SCHEMA = `Reply with one JSON object and nothing else:
{"summary": "your overall verdict in a few sentences", "decisions": [ {"finding": "F1", "decision": "accept" | "reject" | "uncertain", "reason": "why"} ]}`;

export function numberedCode(c: CodeUnderReview): string {
  const lines = c.code.split("\n");
  const width = String(c.startLine + lines.length - 1).length;
  return lines.map((l, i) => `${String(c.startLine + i).padStart(width)} | ${l}`).join("\n");
}

function codeBlock(c: CodeUnderReview): string {
  const end = c.startLine + c.code.split("\n").length - 1;
  const focus = c.focus ? `\nThe programmer asks you to focus on: ${c.focus}\n` : "";
  return `File: ${c.file} (lines ${c.startLine}–${end}${c.languageId ? `, ${c.languageId}` : ""})${focus}\n\`\`\`\n${numberedCode(c)}\n\`\`\``;
}

export function findingsBlock(findings: Finding[]): string {
  if (findings.length === 0) return "No findings have been raised yet.";
  return findings
    .map((f) => {
      const who = [`raised by ${f.raisedBy.join(", ")}`];
      if (f.supportedBy.length) who.push(`supported by ${f.supportedBy.join(", ")}`);
      if (f.disputedBy.length) who.push(`disputed by ${f.disputedBy.join(", ")}`);
      const reasons = f.notes
        .filter((n) => n.stance === "dispute")
        .map((n) => `\n    - ${n.model} disputes: ${n.reason}`)
        .join("");
      return `${f.id} [${f.severity}/${f.category}] lines ${f.lines.start}-${f.lines.end}: ${f.title} — ${f.rationale} (${who.join("; ")})${reasons}`;
    })
    .join("\n");
}

function system(model: string, role: string): ChatMessage {
  return { role: "system", content: `You are ${model}, ${role} Be concrete and precise; only report real problems in the code shown.` };
}

/** First look at the code (debate round 1, mixture proposers, refine author's first draft). */
export function initialReviewPrompt(model: string, c: CodeUnderReview): ChatMessage[] {
  return [system(model, "an expert code reviewer."), { role: "user", content: `Review this code.\n\n${codeBlock(c)}\n\n${REVIEW_SCHEMA}` }];
}

/**
 * How much of another model's reply a prompt quotes, longest first. The findings block already carries what each
 * reply found, so when a prompt is too long for a model's context the quotes shrink before anything else does.
 */
export const QUOTE_CHARS = [4000, 1200, 300, 0] as const;

/** A prompt built for a quote length, so it can be rebuilt shorter (see QUOTE_CHARS). */
export type QuotingPrompt = (quoteChars: number) => ChatMessage[];

/** A later debate round: the code, the findings so far, and what the other reviewers said last round. */
export function debateRoundPrompt(
  model: string,
  c: CodeUnderReview,
  findings: Finding[],
  others: { model: string; text: string }[],
  round: number,
  quoteChars: number = QUOTE_CHARS[0],
): ChatMessage[] {
  const said = others.length ? others.map((o) => `--- ${o.model} said:\n${clip(o.text, quoteChars)}`).join("\n\n") : "(the other reviewers gave no answer)";
  return [
    system(model, "one of several code reviewers in a debate."),
    {
      role: "user",
      content:
        `Round ${round} of a review debate.\n\n${codeBlock(c)}\n\nFindings so far:\n${findingsBlock(findings)}\n\nLast round the other reviewers said:\n${said}\n\n` +
        `Vote on every finding: "support" if it is a real problem, "dispute" if it is not, with your reason. Change your mind only when an ` +
        `argument convinces you; if you still disagree, keep disputing and say why. Add findings only for problems nobody raised.\n\n${REVIEW_SCHEMA}`,
    },
  ];
}

/** Refine: the critic reviews the author's findings. */
export function critiquePrompt(model: string, c: CodeUnderReview, findings: Finding[], authorText: string, quoteChars: number = QUOTE_CHARS[0]): ChatMessage[] {
  return [
    system(model, "a critical senior reviewer checking another reviewer's work."),
    {
      role: "user",
      content:
        `${codeBlock(c)}\n\nThe author's review:\n${clip(authorText, quoteChars)}\n\nFindings:\n${findingsBlock(findings)}\n\n` +
        `Check each finding: "support" if it is right, "dispute" if it is wrong or its patch is wrong (say what to change). ` +
        `Add findings the author missed.\n\n${REVIEW_SCHEMA}`,
    },
  ];
}

/** Refine: the author revises after the critic's feedback. */
export function revisePrompt(model: string, c: CodeUnderReview, findings: Finding[], criticText: string, quoteChars: number = QUOTE_CHARS[0]): ChatMessage[] {
  return [
    system(model, "a code reviewer revising your review after feedback."),
    {
      role: "user",
      content:
        `${codeBlock(c)}\n\nFindings:\n${findingsBlock(findings)}\n\nThe critic's feedback:\n${clip(criticText, quoteChars)}\n\n` +
        `Vote "support" to keep a finding or "dispute" to withdraw it, with your reason; add corrected or new findings.\n\n${REVIEW_SCHEMA}`,
    },
  ];
}

/** The judge of a debate or refine run. */
export function judgePrompt(model: string, c: CodeUnderReview, findings: Finding[]): ChatMessage[] {
  return [
    system(model, "the judge of a code review debate."),
    {
      role: "user",
      content:
        `${codeBlock(c)}\n\nThe reviewers' findings, with who supports and disputes each:\n${findingsBlock(findings)}\n\n` +
        `Decide each finding on its merits, not by counting votes. Where the reviewers disagree and you cannot tell, say "uncertain".\n\n${VERDICT_SCHEMA}`,
    },
  ];
}

/** Mixture-of-agents: the aggregator synthesises the proposers' reviews into one. */
export function aggregatePrompt(
  model: string,
  c: CodeUnderReview,
  findings: Finding[],
  proposals: { model: string; text: string }[],
  quoteChars: number = QUOTE_CHARS[0],
): ChatMessage[] {
  const props = proposals.map((p) => `--- ${p.model}:\n${clip(p.text, quoteChars)}`).join("\n\n");
  return [
    system(model, "the aggregator of several independent code reviews."),
    {
      role: "user",
      content:
        `${codeBlock(c)}\n\nThe proposed reviews:\n${props}\n\nTheir findings, merged:\n${findingsBlock(findings)}\n\n` +
        `Synthesise one review: accept the findings that are right, reject the wrong ones, and where a finding's fix can be improved give ` +
        `a better "patch" (replacement text for its lines) in its decision.\n\n${VERDICT_SCHEMA}`,
    },
  ];
}

/** Asked once when a reply could not be read. */
export function repairPrompt(error: string, verdict: boolean): ChatMessage {
  return {
    role: "user",
    content: `Your reply could not be read: ${error}. Reply again with only the JSON object, no other text.\n\n${verdict ? VERDICT_SCHEMA : REVIEW_SCHEMA}`,
  };
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return max > 0 ? `${text.slice(0, max)}\n…(cut)` : "(not quoted, to keep the prompt short: its findings and votes are in the findings list)";
}
