// "Chorus: Merge Models…" in a real VS Code: pick two GGUF models from the sidecar's model folder, the linear
// method, weights and output type, save the result; the merge runs with a progress notification, and "Use for
// Completions" makes the merged model — served by the extension's own sidecar — answer inline completions.
import * as assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBigramModel } from "../../src/sidecar/testmodels/bigram";
import { findCorporaDir, loadLanguageCorpus } from "../../src/sidecar/testmodels/corpora";
import { uiTest, type Workbench } from "./harness";

const MODELS = mkdtempSync(join(tmpdir(), "chorus-e2e-merge-"));

uiTest("merge two models from the palette and complete with the result", async (wb) => {
  try {
    await mergeAndComplete(wb);
  } finally {
    rmSync(MODELS, { recursive: true, force: true });
  }
}, {
  settings: () => ({ "chorus.sidecar.modelFolders": [MODELS], "chorus.sidecar.demoModels": false, "editor.inlineSuggest.enabled": true }),
});

async function mergeAndComplete(wb: Workbench): Promise<void> {
  const corpora = findCorporaDir();
  const ts = await loadLanguageCorpus(corpora, "typescript");
  const py = await loadLanguageCorpus(corpora, "python");
  await makeBigramModel({ corpus: ts.train, out: join(MODELS, "ts-coder.gguf") });
  await makeBigramModel({ corpus: py.train, out: join(MODELS, "py-coder.gguf") });

  await wb.runCommand("Chorus: Merge Models…");
  // Step 1: tick both models (a multi-select quick pick), then accept.
  await wb.quickPickRows().filter({ hasText: "ts-coder.gguf" }).first().waitFor();
  for (const name of ["ts-coder.gguf", "py-coder.gguf"])
    await wb.quickPickRows().filter({ hasText: name }).first().click(); // a click on a row ticks its box
  await wb.until("both models ticked", async () => (await wb.page.locator(".quick-input-widget").innerText()).includes("2 Selected"));
  await wb.screenshot("models");
  await wb.page.keyboard.press("Enter");
  // Step 2: the method; step 4: weights (one per model); step 5: output type.
  await wb.pick("weighted average of the models", { filter: "linear" });
  await wb.quickInput().waitFor();
  await wb.until("the weights prompt", async () => (await wb.page.locator(".quick-input-widget").innerText()).includes("weights"));
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
