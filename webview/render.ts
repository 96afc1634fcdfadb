// Draws the review panel from its state: a header with the run's status and a Cancel button, the verdict,
// the findings (agreement indicator, who raised, supported and disputed each, the dissenting reasons, and the
// fix actions), and the rounds as a timeline with one column per model. Text goes in with textContent; model
// text goes through the markdown sanitizer. Only VS Code theme variables are used for colour (review.css). Each
// piece is a keyed part (patch.ts), so a redraw while tokens stream in rebuilds only what changed.

import { agreement, type Finding, type Verdict } from "../src/core/collab/text/panel-messages";
import { setMarkdown } from "./markdown";
import { part, patch, type Part } from "./patch";
import { lineLabel, proseForMarkdown } from "./prose";
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
    // Opened for a run whose first message is on its way: say so, not "No review yet" for a moment.
    const empty =
      root.dataset.starting !== undefined
        ? "Starting the review…"
        : "No review yet. Run “Chorus: Review Selection with Debate” or “Chorus: Review File” from the command palette.";
    patch(root, [part("empty", empty, () => h("p", { class: "empty", role: "status" }, empty))]);
    return;
  }
  const v = s.verdict;
  patch(root, [header(s), ...(v ? [part("verdict", JSON.stringify(v), () => verdict(v))] : []), findings(s), timeline(s)]);
}

/** A text-only child, built again only when its text changes. */
function text(key: string, tag: string, content: string, attrs?: Attrs): Part {
  return part(key, content, () => h(tag, attrs, content));
}

// The Cancel button and the live status line keep their elements for the whole run: the button so that it can be
// clicked while tokens stream in, the status line so that a screen reader announces each change to it.
function header(s: PanelState): Part {
  const running = !s.done;
  const where = s.source?.label ?? s.file ?? "";
  const lines = s.lines ? `:${s.lines.end > s.lines.start ? `${s.lines.start}–${s.lines.end}` : s.lines.start}` : "";
  const who =
    s.mode === "refine"
      ? `Author: ${s.participants[0] ?? "…"} · critic: ${s.participants[1] ?? s.participants[0] ?? "…"}`
      : `Models: ${s.participants.join(", ") || "…"}`;
  const meta = [who, s.judge ? `${s.mode === "mixture" ? "aggregator" : "judge"}: ${s.judge}` : undefined];
  const status = s.done
    ? `${STATUS_TEXT[s.done.status]} — ${s.done.reason}. ${s.done.costUsd > 0 ? `Cost $${s.done.costUsd.toFixed(4)}.` : s.done.status === "cancelled" ? "" : "No cloud cost."}`
    : s.cancelling
      ? "Cancelling…"
      : `Running${s.rounds.length ? ` · ${s.rounds.at(-1)!.label}` : ""}…`;
  const statusClass = `status status-${s.done?.status ?? (s.cancelling ? "cancelling" : "running")}`;
  const row = [
    ...(running ? [part("ring", "", () => h("vscode-progress-ring", { class: "ring", "aria-label": "Review running" }))] : []),
    part(
      "status",
      "",
      () => h("span", { role: "status", "aria-live": "polite" }),
      (el) => {
        if (el.className !== statusClass) el.className = statusClass;
        if (el.textContent !== status) el.textContent = status;
      },
    ),
    ...(running ? [part("cancel", String(Boolean(s.cancelling)), () => cancelButton(Boolean(s.cancelling)))] : []),
    // A finished, cancelled or failed run can be run again as it was (same code, models and rounds).
    ...(s.done
      ? [
          part("rerun", "", () =>
            h(
              "vscode-button",
              { "data-action": "rerun", "data-key": "rerun", secondary: "", title: "Run this review again with the same code and models" },
              "Re-run",
            ),
          ),
        ]
      : []),
  ];
  return part(
    "header",
    "",
    () => h("header", { class: "run-header" }),
    (el) =>
      patch(el, [
        text("title", "h1", `${s.mode ? MODE_TITLE[s.mode] : "Review"} · ${where}${lines}`),
        text("meta", "p", meta.filter(Boolean).join(" · "), { class: "meta" }),
        part(
          "status-row",
          "",
          () => h("div", { class: "status-row" }),
          (r) => patch(r, row),
        ),
      ]),
  );
}

function cancelButton(cancelling: boolean): HTMLElement {
  return cancelling
    ? h("vscode-button", { "data-action": "cancel-run", "data-key": "cancel", secondary: "", disabled: "" }, "Cancelling…")
    : h("vscode-button", { "data-action": "cancel-run", "data-key": "cancel", secondary: "", title: "Stop the review; findings so far are kept" }, "Cancel");
}

function verdict(v: Verdict): HTMLElement {
  const by = v.form === "fallback" ? "Vote count (the judge did not answer)" : `Verdict by ${v.by}${v.form === "prose" ? " (free text)" : ""}`;
  return h(
    "section",
    { class: "verdict", "aria-label": "Verdict" },
    h("h2", {}, by),
    md(v.form === "prose" ? proseForMarkdown(v.summary) : v.summary, "verdict-text"),
  );
}

function findings(s: PanelState): Part {
  const disputed = s.findings.filter((f) => f.disputedBy.length > 0).length;
  const empty = s.done ? "No findings." : "Findings appear here as the models report them.";
  // A card is keyed by its finding and built again only when what it shows changes.
  const cards = s.findings.map((f) => {
    const decision = s.verdict?.decisions.find((d) => d.finding === f.id);
    return part(f.id, JSON.stringify([f, decision, s.applied.includes(f.id), s.mode]), () => findingCard(s, f));
  });
  return part(
    "findings",
    "",
    () => h("section", { class: "findings", "aria-label": "Findings" }),
    (el) =>
      patch(el, [
        text("title", "h2", `Findings (${s.findings.length}${disputed ? `, ${disputed} disputed` : ""})`),
        cards.length
          ? part(
              "list",
              "",
              () => h("div", { class: "finding-list", role: "list" }),
              (list) => patch(list, cards),
            )
          : text("empty", "p", empty, { class: "empty" }),
      ]),
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
  return h(
    "span",
    { class: `agreement agree-${a.level}`, title: `${a.for} for, ${a.against} against` },
    dots,
    ` ${a.for} for · ${a.against} against · ${label}`,
  );
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
    {
      class: `finding sev-${f.severity} agree-${agreement(f).level}`,
      role: "listitem",
      tabindex: "0",
      "data-finding": f.id,
      "data-key": `finding-${f.id}`,
      "aria-label": `${f.id} ${f.severity}: ${f.title}, ${lineLabel(f.lines).replace("–", " to ")}`,
    },
    h(
      "div",
      { class: "finding-head" },
      h("vscode-badge", { class: `sev sev-${f.severity}` }, f.severity),
      h("span", { class: "fid" }, f.id),
      h("span", { class: "ftitle" }, f.title),
      h("span", { class: "category" }, f.category),
      h("span", { class: "loc" }, lineLabel(f.lines)),
    ),
    agreementIndicator(f),
    md(f.rationale, "rationale"),
    h(
      "div",
      { class: "stances" },
      modelList("Raised by", raisers, "raised"),
      modelList("Retracted by", retracted, "retracted"),
      modelList("Supported by", f.supportedBy, "supported"),
      modelList(
        "Disputed by",
        f.disputedBy.filter((m) => !retracted.includes(m)),
        "disputed",
      ),
    ),
    dissent.length
      ? h(
          "ul",
          { class: "dissent", "aria-label": "Dissent" },
          ...dissent.map((n) => h("li", {}, h("strong", {}, n.model), ` (round ${n.round}) disputes: `, n.reason)),
        )
      : undefined,
    support.length
      ? details(
          `support-${f.id}`,
          `Why it is supported (${support.length})`,
          h("ul", { class: "support" }, ...support.map((n) => h("li", {}, h("strong", {}, n.model), ` (round ${n.round}): `, n.reason))),
        )
      : undefined,
    decision
      ? h(
          "p",
          { class: `decision decision-${decision.decision}` },
          h("strong", {}, `${s.mode === "mixture" ? "Aggregator" : "Judge"}: ${decision.decision}`),
          decision.reason ? ` — ${decision.reason}` : "",
        )
      : undefined,
    f.patch ? h("pre", { class: "patch", "aria-label": "Suggested fix" }, h("code", {}, f.patch)) : undefined,
    h(
      "div",
      { class: "actions" },
      h("vscode-button", { "data-action": "reveal", "data-key": `reveal-${f.id}`, secondary: "" }, f.lines.end > f.lines.start ? "Go to lines" : "Go to line"),
      f.patch ? h("vscode-button", { "data-action": "preview-fix", "data-key": `preview-${f.id}`, secondary: "" }, "Preview fix") : undefined,
      f.patch
        ? h("vscode-button", { "data-action": "apply-fix", "data-key": `apply-${f.id}`, disabled: applied ? "" : undefined }, applied ? "Applied" : "Apply fix")
        : undefined,
    ),
  );
}

const COLUMN_STATUS: Record<Column["status"], string> = {
  streaming: "writing…",
  retrying: "asked again…",
  done: "done",
  failed: "dropped out",
  stopped: "stopped",
};

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

// A round's columns are keyed by model: while one model streams, only its column is built again.
function timeline(s: PanelState): Part {
  const rounds = s.rounds.map((r) =>
    part(
      `round-${r.round}`,
      `${r.label}\n${r.columns.length}`,
      () => h("div", { class: "round", "data-round": String(r.round) }, h("h3", {}, r.label), h("div", { class: `columns n${Math.min(r.columns.length, 4)}` })),
      (el) =>
        patch(
          el.lastElementChild!,
          r.columns.map((c) => part(c.model, JSON.stringify(c), () => columnView(r.round, c))),
        ),
    ),
  );
  return part(
    "timeline",
    "",
    () => h("section", { class: "timeline", "aria-label": "Rounds" }),
    (el) => patch(el, [text("title", "h2", "Rounds"), ...rounds]),
  );
}
