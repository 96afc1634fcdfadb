import * as assert from "node:assert/strict";
import { test } from "node:test";
import type { LedgerEntry } from "../../../src/core/ledger";
import { renderUsageHtml } from "../../../src/vscode/usage-html";

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
    entries: [entry("cheap", "cascade", 0.001, 100), entry("cheap", "cascade", 0.001, 300), entry("strong", "cascade", 0.02, 900), entry("strong", "single", 0, 50, false)],
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
