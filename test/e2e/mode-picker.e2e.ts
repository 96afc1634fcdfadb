// "Chorus: Choose Collaboration Mode" from the command palette: pick a completion mode other than the active
// one and see the Chorus status bar item change to it; the choice survives a reload of the window.
import * as assert from "node:assert/strict";
import { uiTest } from "./harness";

uiTest("choose a collaboration mode from the command palette; the status bar follows", async (wb) => {
  const status = wb.statusBarItem(/Chorus:/);
  await status.waitFor({ timeout: 30_000 });
  const before = (await status.innerText()).trim();
  await wb.screenshot("before");

  await wb.runCommand("Chorus: Choose Collaboration Mode");
  const rows = wb.quickPickRows();
  await rows.first().waitFor();
  // Completion rows read "… Inline completions · <id>[ · active]"; take the first one that is not active.
  const labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute("aria-label") ?? e.textContent ?? ""));
  const candidates = labels.filter((l) => l.includes("Inline completions ·") && !l.includes("· active"));
  assert.ok(candidates.length > 0, `need a second completion mode to switch to; the picker offered: ${labels.join(" | ")}`);
  const target = /Inline completions · ([\w.:-]+)/.exec(candidates[0]!)?.[1];
  assert.ok(target, `no mode id in "${candidates[0]}"`);
  await wb.pick(`Inline completions · ${target}`, { filter: target });

  await wb.until(`the status bar to show mode ${target}`, async () => (await status.innerText()).includes(`Chorus: ${target}`));
  assert.notEqual((await status.innerText()).trim(), before);
  await wb.screenshot("after");

  // Persisted per workspace: a reload keeps the choice.
  await wb.page.reload();
  await wb.statusBarItem(`Chorus: ${target}`).waitFor({ timeout: 30_000 });
});
