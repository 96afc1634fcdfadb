// Robust parsing of model replies. Models wrap JSON in fences, add prose around it, use "lines": "12-14" or
// [12, 14], misspell severities. We accept what is unambiguous, report what is not, and never throw: a reply
// that cannot be read becomes an error string the caller turns into a repair prompt or keeps as prose.

import { SEVERITIES, type CandidateFinding, type LineRange, type Severity, type Vote } from "./findings";

export interface ReviewReply {
  findings: CandidateFinding[];
  votes: Vote[];
  summary: string;
  /** Entries that were skipped, in words (shown as a note; the rest of the reply still counts). */
  warnings: string[];
}

export type Decision = "accept" | "reject" | "uncertain";

export interface VerdictReply {
  summary: string;
  decisions: { finding: string; decision: Decision; reason: string; patch?: string }[];
  warnings: string[];
}

export type ParseOutcome<T> = { ok: true; value: T } | { ok: false; error: string };

/** The first JSON object in the text: inside a ```json fence if there is one, else the first balanced {...}. */
export function extractJson(text: string): ParseOutcome<unknown> {
  const candidates: string[] = [];
  for (const m of text.matchAll(/```[a-zA-Z]*\s*\n([\s\S]*?)```/g)) if (m[1]) candidates.push(m[1]);
  const bare = firstBalancedObject(text);
  if (bare) candidates.push(bare);
  if (candidates.length === 0) return { ok: false, error: "the reply contains no JSON object" };
  let lastError = "";
  for (const c of candidates) {
    try {
      const v: unknown = JSON.parse(c.trim());
      if (typeof v === "object" && v !== null && !Array.isArray(v)) return { ok: true, value: v };
      lastError = "the JSON is not an object";
    } catch (e) {
      lastError = `the JSON does not parse (${e instanceof Error ? e.message : String(e)})`;
    }
  }
  return { ok: false, error: lastError };
}

/** Scan for a balanced top-level object, skipping braces inside strings. */
function firstBalancedObject(text: string): string | undefined {
  const start = text.indexOf("{");
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "{") depth++;
    else if (ch === "}" && --depth === 0) return text.slice(start, i + 1);
  }
  return undefined;
}

function str(v: unknown): string {
  return typeof v === "string" ? v.trim() : typeof v === "number" ? String(v) : "";
}

function parseLines(v: unknown, range: LineRange): LineRange | undefined {
  let start: number | undefined;
  let end: number | undefined;
  if (typeof v === "number") start = end = v;
  else if (typeof v === "string") {
    const m = /^\s*L?(\d+)\s*(?:[-–:,]|to|\.\.)?\s*L?(\d+)?\s*$/i.exec(v);
    if (m) {
      start = Number(m[1]);
      end = m[2] ? Number(m[2]) : start;
    }
  } else if (Array.isArray(v) && typeof v[0] === "number") {
    start = v[0];
    end = typeof v[1] === "number" ? v[1] : start;
  } else if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    if (typeof o.start === "number") {
      start = o.start;
      end = typeof o.end === "number" ? o.end : start;
    }
  }
  if (start === undefined || end === undefined || !Number.isInteger(start) || !Number.isInteger(end)) return undefined;
  if (start > end) [start, end] = [end, start];
  // Lines outside what the model was shown cannot be about this code.
  if (end < range.start || start > range.end) return undefined;
  return { start: Math.max(start, range.start), end: Math.min(end, range.end) };
}

function parseSeverity(v: unknown): Severity {
  const s = str(v).toLowerCase();
  if ((SEVERITIES as readonly string[]).includes(s)) return s as Severity;
  if (["critical", "high", "blocker", "bug", "major"].includes(s)) return "error";
  if (["medium", "moderate", "warn"].includes(s)) return "warning";
  return "info";
}

function parseStance(v: unknown): Vote["stance"] | undefined {
  const s = str(v).toLowerCase();
  if (["support", "agree", "supports", "agreed", "yes", "accept", "keep"].includes(s)) return "support";
  if (["dispute", "disagree", "disputes", "reject", "no", "object", "withdraw", "retract"].includes(s)) return "dispute";
  return undefined;
}

/** A review reply: {findings: [...], votes: [...], summary}. `range` is the line range the model was shown. */
export function parseReviewReply(text: string, range: LineRange): ParseOutcome<ReviewReply> {
  const json = extractJson(text);
  if (!json.ok) return json;
  const o = json.value as Record<string, unknown>;
  if (!("findings" in o) && !("votes" in o)) return { ok: false, error: 'the JSON has neither "findings" nor "votes"' };
  const warnings: string[] = [];
  const findings: CandidateFinding[] = [];
  const rawFindings = Array.isArray(o.findings) ? o.findings : [];
  if (o.findings !== undefined && !Array.isArray(o.findings)) warnings.push('"findings" is not a list; ignored');
  rawFindings.forEach((raw, i) => {
    if (typeof raw !== "object" || raw === null) return warnings.push(`finding ${i + 1} is not an object`);
    const r = raw as Record<string, unknown>;
    const lines = parseLines(r.lines ?? r.line ?? r.range, range);
    if (!lines) return warnings.push(`finding ${i + 1} has no line range inside ${range.start}–${range.end}`);
    const rationale = str(r.rationale ?? r.reason ?? r.description ?? r.message);
    if (!rationale) return warnings.push(`finding ${i + 1} has no rationale`);
    const patch = typeof r.patch === "string" && r.patch.length > 0 ? r.patch : typeof r.fix === "string" && r.fix.length > 0 ? r.fix : undefined;
    findings.push({
      lines,
      severity: parseSeverity(r.severity),
      category: str(r.category).toLowerCase() || "general",
      title: str(r.title) || rationale.split(/[.\n]/)[0]!.slice(0, 80),
      rationale,
      patch,
    });
  });
  const votes: Vote[] = [];
  const rawVotes = Array.isArray(o.votes) ? o.votes : [];
  rawVotes.forEach((raw, i) => {
    if (typeof raw !== "object" || raw === null) return warnings.push(`vote ${i + 1} is not an object`);
    const r = raw as Record<string, unknown>;
    const finding = str(r.finding ?? r.id);
    const stance = parseStance(r.stance ?? r.vote);
    if (!finding || !stance) return warnings.push(`vote ${i + 1} needs "finding" and "stance" (support or dispute)`);
    votes.push({ finding, stance, reason: str(r.reason ?? r.rationale) });
  });
  return { ok: true, value: { findings, votes, summary: str(o.summary), warnings } };
}

function parseDecision(v: unknown): Decision | undefined {
  const s = str(v).toLowerCase();
  if (["accept", "accepted", "keep", "valid", "fix", "include"].includes(s)) return "accept";
  if (["reject", "rejected", "drop", "invalid", "exclude"].includes(s)) return "reject";
  if (["uncertain", "unsure", "unclear", "undecided"].includes(s)) return "uncertain";
  return undefined;
}

/** A judge's or aggregator's reply: {summary, decisions: [{finding, decision, reason, patch?}]}. */
export function parseVerdictReply(text: string): ParseOutcome<VerdictReply> {
  const json = extractJson(text);
  if (!json.ok) return json;
  const o = json.value as Record<string, unknown>;
  const summary = str(o.summary ?? o.verdict);
  if (!summary) return { ok: false, error: 'the JSON has no "summary"' };
  const warnings: string[] = [];
  const decisions: VerdictReply["decisions"] = [];
  (Array.isArray(o.decisions) ? o.decisions : []).forEach((raw, i) => {
    const r = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
    const finding = str(r.finding ?? r.id).toUpperCase();
    const decision = parseDecision(r.decision);
    if (!finding || !decision) return warnings.push(`decision ${i + 1} needs "finding" and "decision" (accept, reject or uncertain)`);
    const patch = typeof r.patch === "string" && r.patch.length > 0 ? r.patch : undefined;
    decisions.push({ finding, decision, reason: str(r.reason), patch });
  });
  return { ok: true, value: { summary, decisions, warnings } };
}
