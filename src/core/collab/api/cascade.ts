// The cascade: a cheap model answers first, and deferral rules decide whether that answer stands or the request
// escalates to the strong model. Each rule gives a confidence in [0, 1]; the answer stands only when every rule
// that could judge it is at least as confident as the threshold, and the decision names the rule that decided.
// OpenAI's reasoning models return no logprobs, so the other rules are there to judge without them.

import type { Completion } from "../../providers/types";
import { finalNumber, logprobConfidence } from "./answer-features";
import type { FeatureVector } from "./features";
import type { OnlineLogistic } from "./logistic";

export type DeferralRuleId = "logprob" | "agreement" | "verify" | "learned";
export const DEFERRAL_RULES: readonly DeferralRuleId[] = ["logprob", "agreement", "verify", "learned"];

export interface Verdict {
  rule: DeferralRuleId;
  confidence: number;
  why: string;
}

export function logprobVerdict(c: Pick<Completion, "logprobs">): Verdict | undefined {
  const conf = logprobConfidence(c.logprobs);
  if (conf === undefined) return undefined;
  return { rule: "logprob", confidence: conf, why: `mean token probability ${conf.toFixed(2)}` };
}

/**
 * The rules that judge one cheap answer. A model that returns no logprobs (OpenAI's reasoning models, DeepSeek's
 * reasoner, Gemini models that refuse them) cannot be judged by the logprob rule, and an answer no rule judges
 * would always be kept; so the verifier, else a second opinion, takes its place, and `note` says so.
 */
export function rulesFor(rules: readonly DeferralRuleId[], hasLogprobs: boolean, model: string): { rules: DeferralRuleId[]; note?: string } {
  if (hasLogprobs || !rules.includes("logprob")) return { rules: [...rules] };
  const standIn = (["verify", "agreement"] as const).find((r) => !rules.includes(r));
  const rest = rules.filter((r) => r !== "logprob");
  if (!standIn) return { rules: rest, note: `${model} gives no logprobs, so the logprob rule was skipped` };
  return { rules: rules.map((r) => (r === "logprob" ? standIn : r)), note: `${model} gives no logprobs, so the ${standIn} rule judged instead` };
}

/** How alike two answers are: their final numbers when both state one, else word overlap. */
export function answerSimilarity(a: string, b: string): number {
  const na = finalNumber(a);
  const nb = finalNumber(b);
  if (na !== undefined && nb !== undefined) return Number(na) === Number(nb) ? 1 : 0;
  // Identifiers, numbers and each punctuation mark: for code, "a + b" and "b - a" must not look the same.
  const tokens = (t: string): Set<string> => new Set(t.toLowerCase().match(/\w+|[^\s\w]/g) ?? []);
  const wa = tokens(a);
  const wb = tokens(b);
  if (wa.size === 0 && wb.size === 0) return a.trim() === b.trim() ? 1 : 0;
  let both = 0;
  for (const w of wa) if (wb.has(w)) both++;
  return both / (wa.size + wb.size - both);
}

export function agreementVerdict(a: string, b: string): Verdict {
  const s = answerSimilarity(a, b);
  return { rule: "agreement", confidence: s, why: s >= 0.999 ? "two cheap answers agree" : `two cheap answers overlap ${(s * 100).toFixed(0)}%` };
}

/** The AutoMix-style verification question put to a model about another model's answer. */
export function verificationPrompt(question: string, answer: string): string {
  return (
    "You check answers. Read the question and the proposed answer, then reply with exactly one word: " +
    '"Yes" if the answer is correct and complete, "No" otherwise.\n\n' +
    `Question:\n${question}\n\nProposed answer:\n${answer}\n\nIs the proposed answer correct? Reply Yes or No.`
  );
}

/** Read a verifier's reply: the probability of "Yes" from logprobs when present, else the word itself. */
export function parseVerification(reply: Pick<Completion, "text" | "logprobs">): Verdict | undefined {
  const first = reply.logprobs[0];
  if (first) {
    const cands = [{ token: first.token, logprob: first.logprob }, ...(first.top ?? [])];
    let yes = 0;
    let no = 0;
    for (const c of cands) {
      const t = c.token.trim().toLowerCase();
      if (t === "yes") yes = Math.max(yes, Math.exp(c.logprob));
      if (t === "no") no = Math.max(no, Math.exp(c.logprob));
    }
    if (yes + no > 0) return { rule: "verify", confidence: yes / (yes + no), why: `verifier says yes with p=${(yes / (yes + no)).toFixed(2)}` };
  }
  const m = /\b(yes|no)\b/i.exec(reply.text);
  if (!m) return undefined;
  const yes = m[1]!.toLowerCase() === "yes";
  return { rule: "verify", confidence: yes ? 0.9 : 0.1, why: yes ? "verifier answered yes" : "verifier answered no" };
}

/** The learned scorer predicts that the cheap answer is not good enough; confidence is the complement. */
export function learnedVerdict(scorer: OnlineLogistic, features: FeatureVector): Verdict {
  const needStrong = scorer.predict(features);
  return {
    rule: "learned",
    confidence: 1 - needStrong,
    why: `learned scorer: ${((1 - needStrong) * 100).toFixed(0)}% likely good (from ${scorer.seen} outcomes)`,
  };
}

export interface CascadeDecision {
  escalate: boolean;
  /** The lowest confidence among the rules that judged, or undefined when none could. */
  confidence?: number;
  verdicts: Verdict[];
  why: string;
}

export function decide(verdicts: Verdict[], threshold: number): CascadeDecision {
  if (verdicts.length === 0) return { escalate: false, verdicts, why: "no deferral rule could judge the cheap answer; kept it" };
  const worst = verdicts.reduce((a, b) => (b.confidence < a.confidence ? b : a));
  const escalate = worst.confidence < threshold;
  const why = escalate
    ? `${worst.rule}: ${worst.why} (below ${threshold.toFixed(2)})`
    : `all rules confident (${verdicts.map((v) => `${v.rule} ${v.confidence.toFixed(2)}`).join(", ")} ≥ ${threshold.toFixed(2)})`;
  return { escalate, confidence: worst.confidence, verdicts, why };
}

/** Keeps an estimate of how long the strong model takes, to honour a completion's latency budget. */
export class LatencyEstimate {
  private mean: number | undefined;

  constructor(private readonly initialMs: number) {}

  observe(ms: number): void {
    this.mean = this.mean === undefined ? ms : 0.8 * this.mean + 0.2 * ms;
  }

  get expectedMs(): number {
    return this.mean ?? this.initialMs;
  }
}
