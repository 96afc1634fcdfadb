// The demo's reviewer: a Provider that answers review prompts with the findings recorded for the demo files
// (recorded-reviews.ts), in the reply format every reviewer uses, so it goes through the same pipeline as a model —
// rounds, the findings board, the judge, fix anchors for Preview and Apply. It is honest about what it is: every
// reply's summary says it is scripted, and a file it has no recording for is refused with what to do instead.

import { ProviderError } from "../providers/errors";
import type { Capabilities, ChatRequest, Delta, Provider } from "../providers/types";
import { RECORDED_REVIEWS, type RecordedFinding, type RecordedReview } from "./recorded-reviews";

export const SCRIPTED_REVIEWER_LABEL = "Scripted demo reviewer — recorded findings for the demo files, not a model's output";
export const SCRIPTED_ENDPOINT = "scripted:demo-reviews";
/** One step to a real reviewer, said wherever the scripted one refuses or is labelled. */
export const REAL_REVIEWER_STEP =
  "For a review of your own code, add an instruction-following model: start Ollama (Chorus finds its models) or run Chorus: Set API Key for an OpenAI-compatible endpoint.";

/** What a review prompt shows: the file's name and its numbered lines (prompts.ts numberedCode). */
interface ShownCode {
  file: string;
  lines: Map<number, string>;
}

function shownCode(prompt: string): ShownCode | undefined {
  const header = /^File: (.+?) \(lines \d+/m.exec(prompt);
  const block = /```\n([\s\S]*?)\n```/.exec(prompt);
  if (!header?.[1] || !block?.[1]) return undefined;
  const lines = new Map<number, string>();
  for (const row of block[1].split("\n")) {
    const m = /^\s*(\d+) \| (.*)$/.exec(row);
    if (m?.[1]) lines.set(Number(m[1]), m[2] ?? "");
  }
  return { file: header[1], lines };
}

const baseName = (file: string): string => file.split(/[\\/]/).pop() ?? file;

/** The first line number where all of the finding's lines follow one another in the shown code. */
function locate(f: RecordedFinding, code: ShownCode): { start: number; end: number } | undefined {
  const wanted = f.lines.split("\n");
  for (const [n, text] of code.lines) {
    if (text !== wanted[0]) continue;
    if (wanted.every((w, i) => code.lines.get(n + i) === w)) return { start: n, end: n + wanted.length - 1 };
  }
  return undefined;
}

function refusal(file: string): ProviderError {
  const known = RECORDED_REVIEWS.map((r) => r.file).join(" and ");
  return new ProviderError(
    "unsupported",
    `The scripted demo reviewer has recorded findings only for the demo files (${known}); it cannot review ${baseName(file)}. ${REAL_REVIEWER_STEP}`,
    { endpoint: SCRIPTED_ENDPOINT, model: "demo-reviews" },
  );
}

/** Round 1 (and a mixture proposer): the recorded findings whose lines are in the text under review. */
function findingsReply(review: RecordedReview, code: ShownCode): object {
  const findings = review.findings.flatMap((f) => {
    const at = locate(f, code);
    return at ? [{ lines: [at.start, at.end], severity: f.severity, category: f.category, title: f.title, rationale: f.rationale, patch: f.patch }] : [];
  });
  const what = findings.length
    ? `${findings.length} recorded finding(s) for ${review.file}`
    : `none of the recorded findings for ${review.file} is in this text (fixed already?)`;
  return { findings, votes: [], summary: `${SCRIPTED_REVIEWER_LABEL}: ${what}. ${REAL_REVIEWER_STEP}` };
}

/** Later steps (critique, revision, a debate round): it stands by its recordings and adds nothing. */
function votesReply(prompt: string): object {
  const ids = [...prompt.matchAll(/^(F\d+) \[/gm)].map((m) => m[1]!);
  const votes = ids.map((finding) => ({ finding, stance: "support", reason: "Recorded for this demo file." }));
  return { findings: [], votes, summary: `${SCRIPTED_REVIEWER_LABEL}: it keeps its recorded findings.` };
}

/** As the judge: it accepts what was recorded (it cannot weigh arguments). */
function verdictReply(prompt: string): object {
  const ids = [...prompt.matchAll(/^(F\d+) \[/gm)].map((m) => m[1]!);
  const decisions = ids.map((finding) => ({ finding, decision: "accept", reason: "Recorded for this demo file." }));
  return { summary: `${SCRIPTED_REVIEWER_LABEL}: the recorded findings stand.`, decisions };
}

export function scriptedReply(prompt: string): string {
  const code = shownCode(prompt);
  if (!code) throw new ProviderError("unsupported", `The scripted demo reviewer only answers review prompts. ${REAL_REVIEWER_STEP}`);
  const review = RECORDED_REVIEWS.find((r) => r.file === baseName(code.file));
  if (!review) throw refusal(code.file);
  if (prompt.includes('"decisions"')) return JSON.stringify(verdictReply(prompt));
  if (/^F\d+ \[/m.test(prompt)) return JSON.stringify(votesReply(prompt));
  return JSON.stringify(findingsReply(review, code));
}

export class ScriptedReviewerProvider implements Provider {
  readonly kind = "scripted" as const;
  readonly endpoint = SCRIPTED_ENDPOINT;

  capabilities(): Capabilities {
    return { fim: false, logprobs: false, embeddings: false };
  }

  async listModels() {
    return [{ name: "demo-reviews" }];
  }

  async *chat(req: ChatRequest, signal?: AbortSignal): AsyncIterable<Delta> {
    signal?.throwIfAborted();
    const prompt = req.messages.filter((m) => m.role === "user").pop()?.content ?? "";
    const text = scriptedReply(prompt);
    yield { text, finishReason: "stop", usage: { inputTokens: 0, outputTokens: 0 } };
  }

  async *complete(): AsyncIterable<Delta> {
    throw new ProviderError("unsupported", `The scripted demo reviewer writes no completions. ${REAL_REVIEWER_STEP}`);
  }

  async embed(): Promise<number[][]> {
    throw new ProviderError("unsupported", "The scripted demo reviewer has no embeddings.");
  }
}
