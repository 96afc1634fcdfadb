// Draws the review panel from its state: a header with the run's status and a Cancel button, the verdict,
// the findings (agreement indicator, who raised, supported and disputed each, the dissenting reasons, and the
// fix actions), and the rounds as a timeline with one column per model. Text goes in with textContent; model
// text goes through the markdown sanitizer. Only VS Code theme variables are used for colour (review.css).

import { agreement, type Finding } from "../src/core/collab/text/findings";
import { setMarkdown } from "./markdown";
import type { Column, PanelState } from "./state";

type Attrs = Record<string, string | undefined>;

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: (Node | string | undefined)[]): HTMLElementTagNameMap[K];
function h(tag: string, attrs?: Attrs, ...children: (Node | string | undefined)[]): HTMLElement;
function h(tag: string, attrs: Attrs = {}, ...children: (Node | string | undefined)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c !== undefined) el.append(c);
  return el;
}

function md(text: string, cls: string): HTMLElement {
  const el = h("div", { class: `markdown ${cls}` });
  setMarkdown(el, text);
  return el;
}

const MODE_TITLE = { debate: "Debate review", refine: "Refine with feedback", mixture: "Mixture-of-agents review" } as const;
const STATUS_TEXT = { completed: "Finished", converged: "Converged early", cancelled: "Cancelled", failed: "Failed" } as const;

export function render(root: HTMLElement, s: PanelState): void {
  if (!s.runId) {
    root.replaceChildren(h("p", { class: "empty" }, "No review yet. Run “Chorus: Review Selection with Debate” or “Chorus: Review File” from the command palette."));
    return;
  }
  root.replaceChildren(header(s), verdict(s) ?? "", findings(s), timeline(s));
}

function header(s: PanelState): HTMLElement {
  const running = !s.done;
  const where = s.source?.label ?? s.file ?? "";
  const lines = s.lines ? `:${s.lines.start}–${s.lines.end}` : "";
  const who =
    s.mode === "refine" ? `Author: ${s.participants[0] ?? "…"} · critic: ${s.participants[1] ?? s.participants[0] ?? "…"}` : `Models: ${s.participants.join(", ") || "…"}`;
  const meta = [who, s.judge ? `${s.mode === "mixture" ? "aggregator" : "judge"}: ${s.judge}` : undefined];
  const status = s.done
    ? `${STATUS_TEXT[s.done.status]} — ${s.done.reason}. ${s.done.costUsd > 0 ? `Cost $${s.done.costUsd.toFixed(4)}.` : s.done.status === "cancelled" ? "" : "No cloud cost."}`
    : `Running${s.rounds.length ? ` · ${s.rounds.at(-1)!.label}` : ""}…`;
  return h(
    "header",
    { class: "run-header" },
    h("h1", {}, `${s.mode ? MODE_TITLE[s.mode] : "Review"} · ${where}${lines}`),
    h("p", { class: "meta" }, meta.filter(Boolean).join(" · ")),
    h(
      "div",
      { class: "status-row" },
      running ? h("vscode-progress-ring", { class: "ring", "aria-label": "Review running" }) : undefined,
      h("span", { class: `status status-${s.done?.status ?? "running"}`, role: "status", "aria-live": "polite" }, status),
      running ? h("vscode-button", { "data-action": "cancel-run", "data-key": "cancel", secondary: "", title: "Stop the review; findings so far are kept" }, "Cancel") : undefined,
    ),
  );
}

function verdict(s: PanelState): HTMLElement | undefined {
  if (!s.verdict) return undefined;
  const v = s.verdict;
  const by = v.form === "fallback" ? "Vote count (the judge did not answer)" : `Verdict by ${v.by}${v.form === "prose" ? " (free text)" : ""}`;
  return h("section", { class: "verdict", "aria-label": "Verdict" }, h("h2", {}, by), md(v.summary, "verdict-text"));
}

function findings(s: PanelState): HTMLElement {
  const list = h("div", { class: "finding-list", role: "list" });
  for (const f of s.findings) list.append(findingCard(s, f));
  const disputed = s.findings.filter((f) => f.disputedBy.length > 0).length;
  return h(
    "section",
    { class: "findings", "aria-label": "Findings" },
    h("h2", {}, `Findings (${s.findings.length}${disputed ? `, ${disputed} disputed` : ""})`),
    s.findings.length ? list : h("p", { class: "empty" }, s.done ? "No findings." : "Findings appear here as the models report them."),
  );
}

function modelList(label: string, models: string[], cls: string): HTMLElement | undefined {
  if (models.length === 0) return undefined;
  return h("span", { class: `stance ${cls}` }, `${label} ${models.join(", ")}`);
}

/** One dot per model with a stance: filled for support, crossed for dispute; dissent is never folded away. */
function agreementIndicator(f: Finding): HTMLElement {
  const a = agreement(f);
  const dots = h("span", { class: "dots", "aria-hidden": "true" });
  for (let i = 0; i < a.for; i++) dots.append(h("span", { class: "dot for" }));
  for (let i = 0; i < a.against; i++) dots.append(h("span", { class: "dot against" }));
  const label = { unanimous: "agreed", contested: "contested", split: "split", rejected: "mostly disputed" }[a.level];
  return h("span", { class: `agreement agree-${a.level}`, title: `${a.for} for, ${a.against} against` }, dots, ` ${a.for} for · ${a.against} against · ${label}`);
}

function findingCard(s: PanelState, f: Finding): HTMLElement {
  const decision = s.verdict?.decisions.find((d) => d.finding === f.id);
  const applied = s.applied.includes(f.id);
  const dissent = f.notes.filter((n) => n.stance === "dispute");
  const support = f.notes.filter((n) => n.stance === "support");
  const raisers = f.raisedBy.filter((m) => !f.disputedBy.includes(m));
  const retracted = f.raisedBy.filter((m) => f.disputedBy.includes(m));
  return h(
    "article",
    { class: `finding sev-${f.severity} agree-${agreement(f).level}`, role: "listitem", tabindex: "0", "data-finding": f.id, "data-key": `finding-${f.id}`, "aria-label": `${f.id} ${f.severity}: ${f.title}, lines ${f.lines.start} to ${f.lines.end}` },
    h(
      "div",
      { class: "finding-head" },
      h("vscode-badge", { class: `sev sev-${f.severity}` }, f.severity),
      h("span", { class: "fid" }, f.id),
      h("span", { class: "ftitle" }, f.title),
      h("span", { class: "category" }, f.category),
      h("span", { class: "loc" }, `lines ${f.lines.start}–${f.lines.end}`),
    ),
    agreementIndicator(f),
    md(f.rationale, "rationale"),
    h("div", { class: "stances" }, modelList("Raised by", raisers, "raised"), modelList("Retracted by", retracted, "retracted"), modelList("Supported by", f.supportedBy, "supported"), modelList("Disputed by", f.disputedBy.filter((m) => !retracted.includes(m)), "disputed")),
    dissent.length ? h("ul", { class: "dissent", "aria-label": "Dissent" }, ...dissent.map((n) => h("li", {}, h("strong", {}, n.model), ` (round ${n.round}) disputes: `, n.reason))) : undefined,
    support.length
      ? details(`support-${f.id}`, `Why it is supported (${support.length})`, h("ul", { class: "support" }, ...support.map((n) => h("li", {}, h("strong", {}, n.model), ` (round ${n.round}): `, n.reason))))
      : undefined,
    decision ? h("p", { class: `decision decision-${decision.decision}` }, h("strong", {}, `${s.mode === "mixture" ? "Aggregator" : "Judge"}: ${decision.decision}`), decision.reason ? ` — ${decision.reason}` : "") : undefined,
    f.patch ? h("pre", { class: "patch", "aria-label": "Suggested fix" }, h("code", {}, f.patch)) : undefined,
    h(
      "div",
      { class: "actions" },
      h("vscode-button", { "data-action": "reveal", "data-key": `reveal-${f.id}`, secondary: "" }, "Go to lines"),
      f.patch ? h("vscode-button", { "data-action": "preview-fix", "data-key": `preview-${f.id}`, secondary: "" }, "Preview fix") : undefined,
      f.patch ? h("vscode-button", { "data-action": "apply-fix", "data-key": `apply-${f.id}`, disabled: applied ? "" : undefined }, applied ? "Applied" : "Apply fix") : undefined,
    ),
  );
}

const COLUMN_STATUS: Record<Column["status"], string> = { streaming: "writing…", retrying: "asked again…", done: "done", failed: "dropped out", stopped: "stopped" };

function columnView(round: number, c: Column): HTMLElement {
  const form = c.status === "done" && c.form && c.form !== "json" ? ` · ${c.form === "repaired" ? "repaired" : "kept as prose"}` : "";
  const cost = c.costUsd ? ` · $${c.costUsd.toFixed(4)}` : "";
  return h(
    "div",
    { class: `column col-${c.status}`, "data-model": c.model },
    h("div", { class: "column-head" }, h("strong", {}, c.model), h("span", { class: "col-status" }, `${COLUMN_STATUS[c.status]}${form}${cost}`)),
    c.error ? h("p", { class: "error" }, `Dropped out: ${c.error}`) : undefined,
    c.notes.length ? h("ul", { class: "notes" }, ...c.notes.map((n) => h("li", {}, n))) : undefined,
    // A finished structured reply shows the model's summary; the full reply stays one keypress away.
    c.status === "done" && c.summary !== undefined
      ? h("div", {}, md(c.summary || "(no summary)", "summary"), details(`reply-${round}-${c.model}`, "Full reply", md(c.text, "reply")))
      : md(c.text || (c.status === "streaming" ? "…" : ""), "reply"),
  );
}

function details(key: string, label: string, body: HTMLElement): HTMLElement {
  return h("details", { class: "full-reply", "data-key": key }, h("summary", {}, label), body);
}

function timeline(s: PanelState): HTMLElement {
  return h(
    "section",
    { class: "timeline", "aria-label": "Rounds" },
    h("h2", {}, "Rounds"),
    ...s.rounds.map((r) =>
      h("div", { class: "round", "data-round": String(r.round) }, h("h3", {}, r.label), h("div", { class: `columns n${Math.min(r.columns.length, 4)}` }, ...r.columns.map((c) => columnView(r.round, c)))),
    ),
  );
}
