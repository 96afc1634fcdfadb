// The HTML of "Chorus: Show Usage": cost and latency by model and by mode, as tables and inline-SVG bar charts.
// Rendered in the extension host from the ledger (no script runs in the webview), styled only with VS Code theme
// variables so it follows every theme. Free of `vscode` imports so it is unit-tested in plain Node. Cost is left
// out when every call was free (local models), a mixing preset has one name (mix:<name>) in both tables, charts
// and tables shrink or scroll in a narrow editor, and failures are explained with a link to the log.
import { failed, summarize, type LedgerEntry, type UsageRow } from "../core/ledger";

export interface UsagePage {
  entries: LedgerEntry[];
  nonce: string;
  /** webview.cspSource */
  cspSource: string;
}

/** The command the failure summary links to (the webview allows only this command URI). */
export const USAGE_LOG_COMMAND = "chorus.showLog";

/**
 * One name per mixing preset: the sidecar serves it as the model `chorus/<name>` (or a settings entry `mix-<name>`
 * for it) while its mode is `mix:<name>`; both tables use the mode's name.
 */
export function displayModel(e: Pick<LedgerEntry, "model" | "provider">): string {
  const m = e.provider === "sidecar" ? /^(?:chorus\/|mix-)(.+)$/.exec(e.model) : null;
  return m ? `mix:${m[1]}` : e.model;
}

export function renderUsageHtml({ entries, nonce, cspSource }: UsagePage): string {
  const byModel = summarize(entries, displayModel);
  const byMode = summarize(entries, (e) => `${e.surface} · ${e.mode}`);
  const cost = entries.reduce((s, e) => s + e.costUsd, 0);
  const paid = cost > 0;
  const failures = entries.filter(failed);
  const charts = (rows: UsageRow[]): string =>
    `<div class="charts">${paid ? barChart("Cost (USD)", rows, (r) => r.costUsd, usd) : ""}${barChart("Median latency", rows, (r) => r.latencyP50Ms, ms)}</div>`;
  const body =
    entries.length === 0
      ? `<p class="empty">No model calls recorded yet. Use an inline completion, Ask or Review, then run <b>Chorus: Show Usage</b> again — this page also updates by itself.</p>`
      : `<p class="totals"><span>${entries.length} calls</span><span>${paid ? `${usd(cost)} total` : "all free (local models)"}</span><span>${failures.length} failed</span><span>since ${esc(entries[0]?.ts.slice(0, 10) ?? "")}</span></p>
${failureSummary(failures)}
<h2>By model</h2>
${charts(byModel)}
${table("Model", byModel, paid)}
<h2>By mode</h2>
${charts(byMode)}
${table("Surface · mode", byMode, paid)}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${cspSource} data:; style-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Chorus Usage</title>
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 16px 16px; }
h1 { font-size: 1.4em; font-weight: 600; } h2 { font-size: 1.1em; font-weight: 600; margin-top: 1.6em; }
.totals span { margin-right: 1.5em; } .empty { color: var(--vscode-descriptionForeground); }
table { border-collapse: collapse; margin-top: 8px; }
th, td { text-align: right; padding: 3px 10px; border-bottom: 1px solid var(--vscode-widget-border, var(--vscode-panel-border)); }
th:first-child, td:first-child { text-align: left; }
th { color: var(--vscode-descriptionForeground); font-weight: 600; }
.charts { display: flex; flex-wrap: wrap; gap: 8px 24px; }
svg.chart { width: 100%; max-width: ${CHART_W}px; height: auto; }
.table-wrap { overflow-x: auto; max-width: 100%; }
.failures { margin: 0; padding-left: 1.2em; color: var(--vscode-descriptionForeground); }
a { color: var(--vscode-textLink-foreground); }
svg text { fill: var(--vscode-foreground); font-size: 11px; font-family: var(--vscode-font-family); }
svg .bar-cost { fill: var(--vscode-charts-blue); } svg .bar-latency { fill: var(--vscode-charts-orange); }
svg .title { fill: var(--vscode-descriptionForeground); font-weight: 600; }
.error { color: var(--vscode-errorForeground); }
</style></head>
<body><h1>Chorus usage</h1>${body}</body></html>`;
}

const ROW = 20;
const LABEL_W = 170;
const BAR_W = 200;
const CHART_W = LABEL_W + BAR_W + 90;
/** Distinct failure messages listed; the rest are counted. */
const FAILURE_KINDS = 3;

/** "23 failed": the commonest reasons and a link to the log, which has each failure with its time. */
function failureSummary(failures: LedgerEntry[]): string {
  if (failures.length === 0) return "";
  const counts = new Map<string, [why: string, n: number]>();
  // Numbers differ between otherwise equal failures (ports, token counts): grouped without them, shown as the first.
  for (const f of failures) {
    const why = `${displayModel(f)}: ${(f.error ?? f.reason ?? "failed without a message").slice(0, 140)}`;
    const kind = why.replace(/\d+/g, "#");
    const seen = counts.get(kind);
    counts.set(kind, [seen?.[0] ?? why, (seen?.[1] ?? 0) + 1]);
  }
  const top = [...counts.values()].sort((a, b) => b[1] - a[1]);
  const items = top.slice(0, FAILURE_KINDS).map(([why, n]) => `<li>${n}× ${esc(why)}</li>`);
  const more = top.length > FAILURE_KINDS ? `<li>and ${top.slice(FAILURE_KINDS).reduce((s, [, n]) => s + n, 0)} more of other kinds</li>` : "";
  return `<p>Why ${failures.length === 1 ? "the call" : `the ${failures.length} calls`} failed (<a href="command:${USAGE_LOG_COMMAND}">each one in the log</a>):</p><ul class="failures">${items.join("")}${more}</ul>`;
}

/** Horizontal bars, one per row, scaled to the largest value; values printed at the bar's end. */
function barChart(title: string, rows: UsageRow[], value: (r: UsageRow) => number, fmt: (n: number) => string): string {
  const shown = rows.slice(0, 12);
  const max = Math.max(...shown.map(value), 0);
  const h = 22 + shown.length * ROW;
  const cls = title.startsWith("Cost") ? "bar-cost" : "bar-latency";
  const bars = shown
    .map((r, i) => {
      const y = 22 + i * ROW;
      const w = max > 0 ? Math.max(1, (value(r) / max) * BAR_W) : 1;
      return `<text x="0" y="${y + 13}">${esc(clip(r.key))}</text><rect class="${cls}" x="${LABEL_W}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW - 6}" rx="2"></rect><text x="${(LABEL_W + w + 6).toFixed(1)}" y="${y + 13}">${esc(fmt(value(r)))}</text>`;
    })
    .join("");
  return `<svg class="chart" role="img" aria-label="${esc(title)}" width="${CHART_W}" height="${h}" viewBox="0 0 ${CHART_W} ${h}"><text class="title" x="0" y="14">${esc(title)}</text>${bars}</svg>`;
}

function table(first: string, rows: UsageRow[], paid: boolean): string {
  const head = `<tr><th>${esc(first)}</th><th>Calls</th><th>Failed</th><th>Tokens in</th><th>Tokens out</th>${paid ? "<th>Cost</th>" : ""}<th>Median latency</th><th>Mean latency</th></tr>`;
  const body = rows
    .map(
      (r) =>
        `<tr><td>${esc(r.key)}</td><td>${r.calls}</td><td${r.errors ? ' class="error"' : ""}>${r.errors}</td><td>${r.inputTokens}</td><td>${r.outputTokens}</td>${paid ? `<td>${usd(r.costUsd)}</td>` : ""}<td>${ms(r.latencyP50Ms)}</td><td>${ms(r.latencyMeanMs)}</td></tr>`,
    )
    .join("");
  return `<div class="table-wrap"><table>${head}${body}</table></div>`;
}

function usd(n: number): string {
  return n === 0 ? "$0" : n < 0.01 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`;
}

function ms(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`;
}

function clip(s: string): string {
  return s.length > 26 ? s.slice(0, 25) + "…" : s;
}

/** Model ids and mode names come from settings: escape before they become HTML. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}
