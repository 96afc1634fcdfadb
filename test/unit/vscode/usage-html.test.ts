import * as assert from "node:assert/strict";
import { test } from "node:test";
import type { LedgerEntry } from "../../../src/core/ledger";
import { displayModel, renderUsageHtml } from "../../../src/vscode/usage-html";

function entry(model: string, mode: string, costUsd: number, latencyMs: number, ok = true): LedgerEntry {
  return { ts: "2026-11-01T10:00:00.000Z", surface: "completion", mode, model, provider: "ollama", inputTokens: 100, outputTokens: 20, costUsd, latencyMs, ok };
}

void test("an empty ledger says how to get data", () => {
  const html = renderUsageHtml({ entries: [], nonce: "N0NCE", cspSource: "vscode-resource:" });
  assert.match(html, /No model calls recorded yet/);
  assert.doesNotMatch(html, /<svg/);
});

void test("cost and latency by model and by mode, bars scaled to the largest value", () => {
  const html = renderUsageHtml({
    entries: [
      entry("cheap", "cascade", 0.001, 100),
      entry("cheap", "cascade", 0.001, 300),
      entry("strong", "cascade", 0.02, 900),
      entry("strong", "single", 0, 50, false),
    ],
    nonce: "N0NCE",
    cspSource: "vscode-resource:",
  });
  assert.match(html, /4 calls/);
  assert.match(html, /1 failed/);
  assert.match(html, /\$0\.02 total/);
  assert.match(html, /completion · cascade/);
  // The most expensive model's cost bar is full width (200); the cheaper one is proportionally shorter.
  const costBars = [...html.matchAll(/class="bar-cost" x="170" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.equal(costBars[0], 200);
  assert.ok(costBars[1]! > 0 && costBars[1]! < 30, `second bar ${costBars[1]}`);
  // Median latency of "cheap" over 100 and 300 ms (lower median) is 100 ms.
  assert.match(html, /<td>cheap<\/td><td>2<\/td><td>0<\/td><td>200<\/td><td>40<\/td><td>\$0\.0020<\/td><td>100 ms<\/td><td>200 ms<\/td>/);
});

void test("the page allows no script and only nonce'd styles; names from settings are escaped", () => {
  const html = renderUsageHtml({ entries: [entry("<img src=x onerror=alert(1)>", "single", 0, 10)], nonce: "N0NCE", cspSource: "vscode-resource:" });
  assert.match(html, /default-src 'none'; img-src vscode-resource: data:; style-src 'nonce-N0NCE';/);
  assert.doesNotMatch(html, /<script/);
  assert.doesNotMatch(html, /<img src=x/);
  assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
});

void test("when every call was free there is no cost chart, column or total; latency stays", () => {
  const html = renderUsageHtml({
    entries: [entry("local-a", "single", 0, 100), entry("local-b", "route", 0, 300)],
    nonce: "N0NCE",
    cspSource: "vscode-resource:",
  });
  assert.match(html, /all free \(local models\)/);
  assert.doesNotMatch(html, /Cost \(USD\)|class="bar-cost"|<th>Cost<\/th>|\$0 total/);
  assert.equal([...html.matchAll(/aria-label="Median latency"/g)].length, 2, "latency by model and by mode");
});

void test("a mixing preset has one name: the sidecar model chorus/x and the mode mix:x are both mix:x", () => {
  const mix = { ...entry("chorus/dexperts-ts", "mix:dexperts-ts", 0, 80), provider: "sidecar" };
  const html = renderUsageHtml({ entries: [mix, { ...mix, model: "mix-dexperts-ts" }], nonce: "N0NCE", cspSource: "vscode-resource:" });
  assert.doesNotMatch(html, /chorus\/dexperts-ts|mix-dexperts-ts/);
  assert.match(html, /<td>mix:dexperts-ts<\/td><td>2<\/td>/, "one row for both names");
  // An Ollama model that happens to contain a slash keeps its name.
  assert.equal(displayModel({ model: "chorus/x", provider: "ollama" }), "chorus/x");
});

void test("failures are explained: the commonest reasons, counted, with a link to the log", () => {
  const fail = (model: string, error: string): LedgerEntry => ({ ...entry(model, "single", 0, 10, false), error });
  const entries = [
    ...Array.from({ length: 20 }, (_, i) => fail("cloud", `timed out after ${30 + i} s`)),
    fail("local", "model_missing: qwen not pulled"),
    fail("local", "connection refused at 127.0.0.1:11434"),
    fail("cloud", "429 rate limited"),
    fail("cloud", "500 internal error"),
  ];
  const html = renderUsageHtml({ entries, nonce: "N0NCE", cspSource: "vscode-resource:" });
  assert.match(html, /24 failed/);
  assert.match(html, /<a href="command:chorus\.showLog">each one in the log<\/a>/);
  assert.match(html, /<li>20× cloud: timed out after 30 s<\/li>/, "failures that differ only in numbers are one kind");
  assert.match(html, /<li>and 2 more of other kinds<\/li>/);
});

void test("charts and tables fit a narrow editor: charts scale down, tables scroll", () => {
  const html = renderUsageHtml({ entries: [entry("a", "single", 0.5, 10)], nonce: "N0NCE", cspSource: "vscode-resource:" });
  assert.match(html, /svg\.chart \{ width: 100%; max-width: 460px; height: auto; \}/);
  assert.match(html, /<div class="table-wrap"><table>/);
});
