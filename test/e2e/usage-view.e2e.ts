// "Chorus: Show Usage" on a ledger with calls by two models in two modes: the webview shows the totals, one row
// per model and per mode, and the bar charts; the failed call is explained with a link that opens the log; in a
// narrow editor the charts shrink to fit.
import * as assert from "node:assert/strict";
import { CHORUS_GLOBAL_STORAGE, uiTest } from "./harness";

const calls = [
  { model: "local-coder", mode: "cascade", costUsd: 0, latencyMs: 120, ok: true },
  { model: "local-coder", mode: "cascade", costUsd: 0, latencyMs: 180, ok: true },
  { model: "cloud-strong", mode: "cascade", costUsd: 0.0125, latencyMs: 900, ok: true },
  { model: "cloud-strong", mode: "single", costUsd: 0, latencyMs: 30_000, ok: false, error: "timeout: no answer within 30000 ms" },
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
    assert.match(text, /1× cloud-strong: timeout: no answer within 30000 ms/);
    await wb.screenshot("usage");

    // Narrow: the editor at about 520 px; no chart is wider than the page.
    await wb.page.setViewportSize({ width: 880, height: 800 });
    await wb.until("the charts to fit", async () =>
      view.locator("body").evaluate((b) => [...b.querySelectorAll("svg")].every((s) => s.getBoundingClientRect().right <= b.clientWidth + 1)),
    );
    await wb.screenshot("usage-narrow");

    const panel = wb.page.locator(".part.panel");
    assert.equal(await panel.isVisible(), false, "no panel open before the link");
    await view.locator("a", { hasText: "each one in the log" }).click();
    await wb.until("the Chorus log to open", async () => (await panel.isVisible()) && /Chorus/.test(await panel.innerText()));
  },
  { userDataFiles: { [`${CHORUS_GLOBAL_STORAGE}/ledger/ledger.jsonl`]: ledger + "\n" } },
);
