// Structured review findings and the board that tracks who raised, supported or disputed each one.
// The board records stances exactly as the models state them: it never merges a dispute away, so dissent
// stays visible to the user until the model that disputes changes its own mind. Each patch is tied to the text
// it was written for as soon as it arrives (fix-anchor.ts), so a fix can later be applied where that text is now.

import { anchorFix, type FixAnchor, type ReviewedText } from "./fix-anchor";

export type Severity = "error" | "warning" | "info";
export const SEVERITIES: readonly Severity[] = ["error", "warning", "info"];

/** 1-based, inclusive line numbers in the reviewed file. */
export interface LineRange {
  start: number;
  end: number;
}

export type Stance = "support" | "dispute";

/** Why a model took a stance, shown next to the finding (dissent is never hidden). */
export interface StanceNote {
  model: string;
  stance: Stance;
  reason: string;
  round: number;
}

/** A finding as one model proposes it, before the board gives it an id. */
export interface CandidateFinding {
  file?: string;
  lines: LineRange;
  severity: Severity;
  category: string;
  title: string;
  rationale: string;
  /** Replacement text for `lines`, or a unified diff against the file. */
  patch?: string;
}

export interface Finding extends CandidateFinding {
  /** "F1", "F2", … in the order they were first raised; models refer to findings by this id. */
  id: string;
  file: string;
  raisedBy: string[];
  supportedBy: string[];
  disputedBy: string[];
  notes: StanceNote[];
  /** The round it was first raised in. */
  round: number;
  /** The patch computed against the reviewed text; absent without a patch (or from an older saved panel). */
  fix?: FixAnchor;
  /** Why the patch could not be computed against the reviewed text (then it can be read, not applied). */
  fixError?: string;
}

export interface Vote {
  finding: string;
  stance: Stance;
  reason: string;
}

/** How far the models agree on a finding: for = raisers still standing + supporters, against = disputers. */
export type AgreementLevel = "unanimous" | "contested" | "split" | "rejected";

export function agreement(f: Finding): { for: number; against: number; level: AgreementLevel } {
  const against = f.disputedBy.length;
  const forCount = f.raisedBy.filter((m) => !f.disputedBy.includes(m)).length + f.supportedBy.length;
  const level = against === 0 ? "unanimous" : forCount > against ? "contested" : forCount === against ? "split" : "rejected";
  return { for: forCount, against, level };
}

function overlaps(a: LineRange, b: LineRange): boolean {
  return a.start <= b.end && b.start <= a.end;
}

function sameIssue(f: Finding, c: CandidateFinding, file: string): boolean {
  return f.file === (c.file ?? file) && overlaps(f.lines, c.lines) && f.category.toLowerCase() === c.category.toLowerCase();
}

export class FindingBoard {
  private readonly findings: Finding[] = [];

  /** `reviewed`: the text the models were shown, which every patch is computed against (without it, none is). */
  constructor(
    private readonly file: string,
    private readonly reviewed?: ReviewedText,
  ) {}

  /**
   * A model raises a finding. When another model already raised the same issue (same file, overlapping lines,
   * same category), the raiser is counted as a supporter instead of creating a duplicate. Returns the finding id
   * and whether it is new.
   */
  raise(model: string, c: CandidateFinding, round: number): { id: string; created: boolean } {
    const existing = this.findings.find((f) => sameIssue(f, c, this.file));
    if (existing) {
      if (existing.raisedBy.includes(model)) {
        // A model raising its own finding again is revising it (refine's author after critique): take the new text.
        Object.assign(existing, { severity: c.severity, title: c.title, rationale: c.rationale });
        if (c.patch) this.attachPatch(existing, c.lines, c.patch);
        this.setStance(existing, model, "support", "", round);
      } else {
        this.setStance(existing, model, "support", c.rationale, round);
        // Another model's patch only fills a gap: the raiser's fix stays unless the raiser revises it.
        // The patch was written for the candidate's own lines, which may differ from the finding's.
        if (!existing.patch && c.patch) this.attachPatch(existing, c.lines, c.patch);
      }
      return { id: existing.id, created: false };
    }
    const f: Finding = {
      id: `F${this.findings.length + 1}`,
      file: c.file ?? this.file,
      lines: { ...c.lines },
      severity: c.severity,
      category: c.category,
      title: c.title,
      rationale: c.rationale,
      raisedBy: [model],
      supportedBy: [],
      disputedBy: [],
      notes: [],
      round,
    };
    if (c.patch) this.attachPatch(f, c.lines, c.patch);
    this.findings.push(f);
    return { id: f.id, created: true };
  }

  /** Apply a vote; votes on unknown ids are reported back so the caller can note them. */
  vote(model: string, v: Vote, round: number): boolean {
    const f = this.findings.find((x) => x.id === v.finding.trim().toUpperCase());
    if (!f) return false;
    this.setStance(f, model, v.stance, v.reason, round);
    return true;
  }

  /** Replace a finding's patch (an aggregator may synthesise a better fix). */
  setPatch(id: string, patch: string): void {
    const f = this.findings.find((x) => x.id === id);
    if (f) this.attachPatch(f, f.lines, patch);
  }

  get(id: string): Finding | undefined {
    const f = this.findings.find((x) => x.id === id);
    return f ? clone(f) : undefined;
  }

  snapshot(): Finding[] {
    return this.findings.map(clone);
  }

  /** Every finding with every model's stance, for convergence checks. */
  stances(): Map<string, string> {
    const out = new Map<string, string>();
    for (const f of this.findings) {
      for (const m of f.raisedBy) if (!f.disputedBy.includes(m)) out.set(`${f.id}|${m}`, "support");
      for (const m of f.supportedBy) out.set(`${f.id}|${m}`, "support");
      for (const m of f.disputedBy) out.set(`${f.id}|${m}`, "dispute");
    }
    return out;
  }

  /** Set a finding's patch, written for `lines`, with its fix computed against the reviewed text. */
  private attachPatch(f: Finding, lines: LineRange, patch: string): void {
    f.patch = patch;
    delete f.fix;
    delete f.fixError;
    if (!this.reviewed) return;
    try {
      f.fix = anchorFix(this.reviewed, lines, patch);
    } catch (e) {
      f.fixError = `the suggested fix does not fit the code that was reviewed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  private setStance(f: Finding, model: string, stance: Stance, reason: string, round: number): void {
    const raiser = f.raisedBy.includes(model);
    f.supportedBy = f.supportedBy.filter((m) => m !== model);
    f.disputedBy = f.disputedBy.filter((m) => m !== model);
    if (stance === "dispute") f.disputedBy.push(model);
    else if (!raiser) f.supportedBy.push(model);
    if (reason.trim()) f.notes.push({ model, stance, reason: reason.trim(), round });
  }
}

function clone(f: Finding): Finding {
  const copy: Finding = {
    ...f,
    lines: { ...f.lines },
    raisedBy: [...f.raisedBy],
    supportedBy: [...f.supportedBy],
    disputedBy: [...f.disputedBy],
    notes: f.notes.map((n) => ({ ...n })),
  };
  if (f.fix) copy.fix = structuredClone(f.fix);
  return copy;
}
