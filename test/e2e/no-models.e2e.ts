// Nothing configured and no Ollama: Chorus says so in words a user can act on (where it looked, what to change),
// the status bar warns, and "Set Up Chorus" opens the walkthrough.
import * as assert from "node:assert/strict";
import { uiTest } from "./harness";

uiTest(
  "with no model and no Ollama, an actionable warning leads to the setup walkthrough",
  async (wb) => {
    const toast = wb.notifications().filter({ hasText: "Chorus has no model" }).first();
    await toast.waitFor({ timeout: 30_000 });
    const text = await toast.innerText();
    assert.match(text, /Ollama is not running at http:\/\/127\.0\.0\.1:9 — start it or change chorus\.ollamaUrl, or add a model to chorus\.models/);
    assert.ok(!/\bat .*\.js:\d+/.test(text), "no stack trace in a notification");

    const status = wb.statusBarItem(/Chorus:/);
    assert.match((await status.getAttribute("class")) ?? "", /warning-kind|has-background-color/, "the status bar item stands out");
    await wb.screenshot("warning");

    await toast.getByRole("button", { name: "Set Up Chorus" }).click();
    await wb.page.locator(".gettingStartedContainer").getByText("Get started with Chorus").first().waitFor({ timeout: 20_000 });
  },
  // Without the demo models too: with them, the demo would stand in for the missing models (demo-*.e2e.ts).
  { settings: () => ({ "chorus.models": [], "chorus.ollamaUrl": "http://127.0.0.1:9", "chorus.sidecar.demoModels": false }) },
);
