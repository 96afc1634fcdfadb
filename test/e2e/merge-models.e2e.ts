// "Chorus: Merge Models…" in a real VS Code: pick two GGUF models from the sidecar's model folder, the linear
// method, weights and output type, save the result; the merge runs with a progress notification, and "Use for
// Completions" makes the merged model — served by the extension's own sidecar — answer inline completions.
// A second test takes "Tune on my code" instead of typing weights: merge for my code, measured on the workspace.
import * as assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBigramModel } from "../../src/sidecar/testmodels/bigram";
import { findCorporaDir, loadLanguageCorpus } from "../../src/sidecar/testmodels/corpora";
import { uiTest, type Workbench } from "./harness";

const MODELS = mkdtempSync(join(tmpdir(), "chorus-e2e-merge-"));
const TUNED = mkdtempSync(join(tmpdir(), "chorus-e2e-merge-tuned-"));

uiTest("merge two models from the palette and complete with the result", async (wb) => {
  try {
    await mergeAndComplete(wb);
  } finally {
    rmSync(MODELS, { recursive: true, force: true });
  }
}, {
  settings: () => ({ "chorus.sidecar.modelFolders": [MODELS], "chorus.sidecar.demoModels": false, "editor.inlineSuggest.enabled": true }),
});

uiTest("merge for my code: tune the weights on the workspace from the palette", async (wb) => {
  try {
    await mergeForMyCode(wb);
  } finally {
    rmSync(TUNED, { recursive: true, force: true });
  }
}, {
  settings: () => ({ "chorus.sidecar.modelFolders": [TUNED], "chorus.sidecar.demoModels": false }),
});

/** A TypeScript and a Python bigram model in `dir`. */
async function makeCoders(dir: string): Promise<void> {
  const corpora = findCorporaDir();
  const ts = await loadLanguageCorpus(corpora, "typescript");
  const py = await loadLanguageCorpus(corpora, "python");
  await makeBigramModel({ corpus: ts.train, out: join(dir, "ts-coder.gguf") });
  await makeBigramModel({ corpus: py.train, out: join(dir, "py-coder.gguf") });
}

/** Steps 1 and 2 of Merge Models…: tick both coders, pick linear. */
async function pickCodersAndLinear(wb: Workbench): Promise<void> {
  await wb.runCommand("Chorus: Merge Models…");
  // Step 1: tick both models (a multi-select quick pick), then accept.
  await wb.quickPickRows().filter({ hasText: "ts-coder.gguf" }).first().waitFor();
  for (const name of ["ts-coder.gguf", "py-coder.gguf"])
    await wb.quickPickRows().filter({ hasText: name }).first().click(); // a click on a row ticks its box
  await wb.until("both models ticked", async () => (await wb.page.locator(".quick-input-widget").innerText()).includes("2 Selected"));
  await wb.screenshot("models");
  await wb.page.keyboard.press("Enter");
  await wb.pick("weighted average of the models", { filter: "linear" });
}

async function mergeForMyCode(wb: Workbench): Promise<void> {
  await makeCoders(TUNED);
  await pickCodersAndLinear(wb);
  // Step 4 offers tuning, since a workspace folder is open; step 5: output type; then the save dialog.
  await wb.pick("Tune on my code", { filter: "tune" });
  await wb.pick("half precision", { filter: "f16" });
  await wb.until("the save dialog", async () => (await wb.quickInput().inputValue()).endsWith("linear-merge.gguf"));
  await wb.page.keyboard.press("Enter");
  // Each step of the search shows in the progress notification; the result names the tuned weights and the
  // gain over each input on the workspace's files.
  const done = wb.notifications().filter({ hasText: "bits/byte on your code" });
  await done.waitFor({ timeout: 120_000 });
  const text = await done.innerText();
  assert.match(text, /merged into linear-merge\.gguf/);
  assert.match(text, /tuned weights \d\.\d\d, \d\.\d\d/);
  for (const name of ["ts-coder.gguf", "py-coder.gguf"]) assert.match(text, new RegExp(`(% better than|% worse than|as good as) ${name.replace(".", "\\.")}`));
  assert.ok(existsSync(join(TUNED, "linear-merge.gguf")), "the tuned merge is where the dialog said");
  assert.deepEqual(readdirSync(TUNED).filter((f) => f.includes("candidate")), [], "no candidate merge is left behind");
  await wb.screenshot("tuned");
}

async function mergeAndComplete(wb: Workbench): Promise<void> {
  await makeCoders(MODELS);
  await pickCodersAndLinear(wb);
  // Step 4: set the weights (one per model) instead of tuning them; step 5: output type.
  await wb.pick("Type the values", { filter: "myself" });
  await wb.quickInput().waitFor();
  await wb.until("the weights prompt", async () => (await wb.page.locator(".quick-input-widget").innerText()).includes("One weight per model"));
  await wb.quickInput().fill("0.7,0.3");
  await wb.page.keyboard.press("Enter");
  await wb.pick("half precision", { filter: "f16" });
  // The save dialog (code-server's own file dialog in the browser) proposes <first model's folder>/linear-merge.gguf.
  await wb.until("the save dialog", async () => (await wb.quickInput().inputValue()).endsWith("linear-merge.gguf"));
  await wb.page.keyboard.press("Enter");

  const done = wb.notifications().filter({ hasText: "merged into linear-merge.gguf" });
  await done.waitFor({ timeout: 60_000 });
  assert.ok(existsSync(join(MODELS, "linear-merge.gguf")), "the merged file is where the dialog said");
  await wb.screenshot("merged");
  await done.locator(".monaco-button", { hasText: "Use for Completions" }).click();
  await wb.notifications().filter({ hasText: "inline completions now use merged-linear-merge" }).waitFor();

  await wb.page.locator(".explorer-folders-view .monaco-list-row", { hasText: "hello.ts" }).first().dblclick();
  await wb.page.locator(".monaco-editor .view-lines").first().click();
  await wb.page.keyboard.press("Control+End");
  // A bigram model continues "len" with spaces (blank ghost text); after "items.l" it writes letters.
  await wb.page.keyboard.type("\nconst n = items.l", { delay: 20 });
  const ghost = wb.page.locator(".monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text-decoration-preview");
  await wb.until("ghost text from the merged model", async () => (await ghost.allInnerTexts()).join("").trim().length > 0, 90_000);
  // The status bar names the model that answered: the merged one, through the sidecar.
  const status = wb.statusBarItem(/Chorus:/);
  await wb.until("the status bar to name the merged model", async () => (await status.innerText()).includes("merged-linear-merge"), 30_000);
  await wb.screenshot("ghost-text");
}
