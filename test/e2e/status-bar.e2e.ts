// The status bar's "last decision": after a real model call (Chorus: Ask against the fake Ollama) the item names
// the model that answered, and its tooltip says in which surface and mode, and why that model.
import * as assert from "node:assert/strict";
import { uiTest } from "./harness";

uiTest("after a model call the status bar names the model and its tooltip explains the decision", async (wb) => {
  const status = wb.statusBarItem(/Chorus:/);
  await status.waitFor({ timeout: 30_000 });
  assert.ok(!(await status.innerText()).includes("fake-local"), "no decision before any call");

  await wb.runCommand("Chorus: Ask About Selection…");
  const input = wb.quickInput();
  await input.waitFor();
  await input.fill("What does add return?");
  await wb.page.keyboard.press("Enter");
  // The answer streams into a Markdown document beside the editor.
  await wb.page.locator(".monaco-editor .view-lines", { hasText: "fake reply from" }).first().waitFor({ timeout: 30_000 });

  await wb.until("the status bar to name the model", async () => (await status.innerText()).includes("fake-local"));
  await status.hover();
  const hover = wb.page.locator(".monaco-hover:visible, .workbench-hover:visible").filter({ hasText: "Last decision" }).first();
  await hover.waitFor({ timeout: 10_000 });
  const tooltip = await hover.innerText();
  assert.match(tooltip, /Last decision \(ask, mode [\w-]+\): fake-local/);
  assert.match(tooltip, /Why: .+/);
  assert.match(tooltip, /\d+\+\d+ tokens · no cost · \d+ ms/, "a local model costs nothing");
  await wb.screenshot("decision");
});
