// "Chorus: Show Usage" on a ledger with calls by two models in two modes: the webview shows the totals, one row
// per model and per mode, and the bar charts.
import * as assert from "node:assert/strict";
import { CHORUS_GLOBAL_STORAGE, uiTest } from "./harness";

const calls = [
  { model: "local-coder", mode: "cascade", costUsd: 0, latencyMs: 120, ok: true },
  { model: "local-coder", mode: "cascade", costUsd: 0, latencyMs: 180, ok: true },
  { model: "cloud-strong", mode: "cascade", costUsd: 0.0125, latencyMs: 900, ok: true },
  { model: "cloud-strong", mode: "single", costUsd: 0, latencyMs: 30_000, ok: false },
];
const ledger = calls
  .map((c, i) => JSON.stringify({ ts: `2026-11-0${i + 1}T10:00:00.000Z`, surface: "completion", provider: "ollama", inputTokens: 50, outputTokens: 10, ...c }))
  .join("\n");

uiTest(
  "show usage charts cost and latency by model and by mode",
  async (wb) => {
    await wb.runCommand("Chorus: Show Usage");
    const view = wb.webview();
    await view.locator("h1", { hasText: "Chorus usage" }).waitFor({ timeout: 20_000 });
    const text = await view.locator("body").innerText();
    assert.match(text, /4 calls/);
    assert.match(text, /\$0\.01 total/);
    assert.match(text, /1 failed/);
    for (const row of ["local-coder", "cloud-strong", "completion · cascade", "completion · single"]) assert.ok(text.includes(row), `missing ${row}`);
    assert.equal(await view.locator("svg[role=img]").count(), 4, "cost and latency charts, by model and by mode");
    assert.equal(await view.locator("svg rect.bar-cost").count(), 4);
    await wb.screenshot("usage");
  },
  { userDataFiles: { [`${CHORUS_GLOBAL_STORAGE}/ledger/ledger.jsonl`]: ledger + "\n" } },
);
