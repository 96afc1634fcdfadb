// "Chorus: Merge Models…" in a real VS Code: tick one GGUF model from the sidecar's model folder and browse for the
// second (the browser's file dialog picks one file at a time), the linear method, weights and output type, save the
// result; the merge runs with a progress notification, and "Use for Completions" makes the merged model — served by
// the extension's own sidecar — answer inline completions. A second test takes "Tune on my code" instead of typing
// weights: merge for my code, measured on the workspace. A third finds the demo models the sidecar serves in the
// picker. Each checks that the steps' titles count 1, 2, 3/N … N/N. "Register with Ollama" is offered only when
// Ollama answers at chorus.ollamaUrl.
import * as assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoFolder } from "../../src/sidecar/demo";
import { makeBigramModel } from "../../src/sidecar/testmodels/bigram";
import { findCorporaDir, loadLanguageCorpus } from "../../src/sidecar/testmodels/corpora";
import { CHORUS_GLOBAL_STORAGE, uiTest, type Workbench } from "./harness";

const MODELS = mkdtempSync(join(tmpdir(), "chorus-e2e-merge-"));
const TUNED = mkdtempSync(join(tmpdir(), "chorus-e2e-merge-tuned-"));

uiTest(
  "merge two models from the palette and complete with the result",
  async (wb) => {
    try {
      await mergeAndComplete(wb);
    } finally {
      rmSync(MODELS, { recursive: true, force: true });
    }
  },
  {
    settings: () => ({ "chorus.sidecar.modelFolders": [MODELS], "chorus.sidecar.demoModels": false, "editor.inlineSuggest.enabled": true }),
  },
);

uiTest(
  "merge for my code: tune the weights on the workspace from the palette",
  async (wb) => {
    try {
      await mergeForMyCode(wb);
    } finally {
      rmSync(TUNED, { recursive: true, force: true });
    }
  },
  {
    // Nothing listens on port 47: no Ollama answers there, so the merge must not offer to register with it.
    settings: () => ({ "chorus.sidecar.modelFolders": [TUNED], "chorus.sidecar.demoModels": false, "chorus.ollamaUrl": "http://127.0.0.1:47" }),
  },
);

uiTest("the merge picker offers the models the sidecar serves, in numbered steps", pickServedModels, {
  // The extension's own sidecar writes and serves the demo models (from its global storage, not a model folder).
  settings: () => ({ "chorus.sidecar.demoModels": true }),
});

/** A TypeScript and a Python bigram model in `dir`. */
async function makeCoders(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true }); // again on a retry: the first try removed it
  const corpora = findCorporaDir();
  const ts = await loadLanguageCorpus(corpora, "typescript");
  const py = await loadLanguageCorpus(corpora, "python");
  await makeBigramModel({ corpus: ts.train, out: join(dir, "ts-coder.gguf") });
  await makeBigramModel({ corpus: py.train, out: join(dir, "py-coder.gguf") });
}

/** Each step's title, recorded as it appears (a step's own dialog may repeat its number with a new title). */
class Steps {
  readonly titles: string[] = [];
  constructor(private readonly wb: Workbench) {}

  async next(): Promise<string> {
    const title = this.wb.page.locator(".quick-input-widget .quick-input-title");
    let text = "";
    await this.wb.until(`the step after "${this.titles.at(-1) ?? "the palette"}"`, async () => {
      text = (await title.innerText()).trim();
      return text.startsWith("Merge Models") && text !== this.titles.at(-1);
    });
    this.titles.push(text);
    return text;
  }
}

/** Tick these rows of the open multi-select quick pick and accept. */
async function tick(wb: Workbench, names: string[]): Promise<void> {
  for (const name of names) await wb.quickPickRows().filter({ hasText: name }).first().click(); // a click on a row ticks its box
  await wb.until(`${names.length} ticked`, async () => (await wb.page.locator(".quick-input-widget").innerText()).includes(`${names.length} Selected`));
  await wb.page.keyboard.press("Enter");
}

/** Steps 1 and 2 of Merge Models…: tick both coders, pick linear. */
async function pickCodersAndLinear(wb: Workbench, steps: Steps): Promise<void> {
  await wb.runCommand("Chorus: Merge Models…");
  await wb.quickPickRows().filter({ hasText: "ts-coder.gguf" }).first().waitFor();
  await steps.next();
  await wb.screenshot("models");
  await tick(wb, ["ts-coder.gguf", "py-coder.gguf"]);
  await steps.next();
  await wb.pick("weighted average of the models", { filter: "linear" });
}

async function pickServedModels(wb: Workbench): Promise<void> {
  // The sidecar writes the demo models when it starts: reopen the picker until it lists them.
  await wb.until(
    "the merge picker to list the sidecar's demo models",
    async () => {
      await wb.runCommand("Chorus: Merge Models…");
      await wb.quickPickRows().first().waitFor();
      const listed = (await wb.quickPickRows().filter({ hasText: "ts-expert.gguf" }).count()) > 0;
      if (!listed) await wb.page.keyboard.press("Escape");
      return listed;
    },
    150_000,
  );
  const rows = (await wb.quickPickRows().allInnerTexts()).join("\n");
  for (const name of ["general.gguf", "py-expert.gguf", "ts-expert.gguf"]) assert.ok(rows.includes(name), `${name} is offered:\n${rows}`);
  assert.match(rows, /sidecar · .*demo-models/, "a served model says where its file is");
  assert.doesNotMatch(rows, /contrastive-ts|poe-ts-py/, "no mixing preset (it has no file to merge)");
  await wb.screenshot("served-models");
  const steps = new Steps(wb);
  await steps.next();
  await tick(wb, ["ts-expert.gguf", "py-expert.gguf"]);
  await steps.next();
  await wb.pick("slerp", { filter: "slerp" });
  await steps.next();
  await wb.pick("ts-expert.gguf"); // the base model
  await steps.next();
  await wb.screenshot("t-or-tune");
  await wb.page.keyboard.press("Enter"); // t = 0.5, as proposed
  await steps.next();
  await wb.pick("half precision", { filter: "f16" });
  await steps.next();
  const proposed = join(demoFolder(join(wb.userDataDir, CHORUS_GLOBAL_STORAGE)), "slerp-merge.gguf");
  await wb.until(`the save dialog to propose ${proposed}`, async () => (await wb.quickInput().inputValue()) === proposed);
  await wb.page.keyboard.press("Escape"); // backing out writes nothing
  assert.deepEqual(steps.titles, [
    "Merge Models (1): the models to merge",
    "Merge Models (2): method",
    "Merge Models (3/6): the base model (t = 0)",
    "Merge Models (4/6): t",
    "Merge Models (5/6): output type",
    "Merge Models (6/6): save the merged model as",
  ]);
}

async function mergeForMyCode(wb: Workbench): Promise<void> {
  await makeCoders(TUNED);
  const steps = new Steps(wb);
  await pickCodersAndLinear(wb, steps);
  // Step 3 offers tuning beside typed weights, since a workspace folder is open; step 4: output type; 5: save.
  await steps.next();
  await wb.pick("Tune on my code", { filter: "tune" });
  await steps.next();
  await wb.pick("half precision", { filter: "f16" });
  await steps.next();
  await wb.until("the save dialog", async () => (await wb.quickInput().inputValue()).endsWith("linear-merge.gguf"));
  await wb.page.keyboard.press("Enter");
  assert.deepEqual(steps.titles, [
    "Merge Models (1): the models to merge",
    "Merge Models (2): method",
    "Merge Models (3/5): weights",
    "Merge Models (4/5): output type",
    "Merge Models (5/5): save the merged model as",
  ]);
  // Each step of the search shows in the progress notification; the result names the tuned weights and the
  // gain over each input on the workspace's files.
  const done = wb.notifications().filter({ hasText: "bits/byte on your code" });
  await done.waitFor({ timeout: 120_000 });
  const text = await done.innerText();
  assert.match(text, /merged into linear-merge\.gguf/);
  assert.match(text, /tuned weights \d\.\d\d, \d\.\d\d/);
  for (const name of ["ts-coder.gguf", "py-coder.gguf"]) assert.match(text, new RegExp(`(% better than|% worse than|as good as) ${name.replace(".", "\\.")}`));
  assert.ok(existsSync(join(TUNED, "linear-merge.gguf")), "the tuned merge is where the dialog said");
  assert.deepEqual(
    readdirSync(TUNED).filter((f) => f.includes("candidate")),
    [],
    "no candidate merge is left behind",
  );
  // Nothing answers at this test's chorus.ollamaUrl: registering with Ollama is not offered.
  assert.equal(await done.locator(".monaco-button", { hasText: "Register with Ollama" }).count(), 0);
  assert.equal(await done.locator(".monaco-button", { hasText: "Use for Completions" }).count(), 1);
  await wb.screenshot("tuned");
}

async function mergeAndComplete(wb: Workbench): Promise<void> {
  await makeCoders(MODELS);
  const steps = new Steps(wb);
  await wb.runCommand("Chorus: Merge Models…");
  await wb.quickPickRows().filter({ hasText: "ts-coder.gguf" }).first().waitFor();
  await steps.next();
  // Tick one model: a file dialog asks for the other (code-server's, in the browser, picks one file at a time).
  await tick(wb, ["ts-coder.gguf"]);
  assert.equal(await steps.next(), "Merge Models (1): choose another GGUF model to merge with ts-coder.gguf (at least two in all)");
  // It opens in the ticked model's folder (the last one used); a click on a file chooses it.
  const other = wb.quickPickRows().filter({ hasText: "py-coder.gguf" }).first();
  await other.waitFor();
  await wb.screenshot("browse");
  await other.click();
  await steps.next();
  await wb.pick("weighted average of the models", { filter: "linear" });
  // Step 3: type the weights (one per model) instead of tuning them; step 4: output type.
  await steps.next();
  await wb.until("the weights prompt", async () =>
    (await wb.page.locator(".quick-input-widget").innerText()).includes("One weight per model (ts-coder.gguf, py-coder.gguf)"),
  );
  await wb.quickInput().fill("0.7,0.3");
  await wb.page.keyboard.press("Enter");
  await steps.next();
  await wb.pick("half precision", { filter: "f16" });
  // The save dialog (code-server's own file dialog in the browser) proposes <first model's folder>/linear-merge.gguf.
  await steps.next();
  await wb.until("the save dialog", async () => (await wb.quickInput().inputValue()).endsWith("linear-merge.gguf"));
  await wb.page.keyboard.press("Enter");
  assert.deepEqual(
    steps.titles.filter((t) => !t.includes("choose another")),
    [
      "Merge Models (1): the models to merge",
      "Merge Models (2): method",
      "Merge Models (3/5): weights",
      "Merge Models (4/5): output type",
      "Merge Models (5/5): save the merged model as",
    ],
  );

  const done = wb.notifications().filter({ hasText: "merged into linear-merge.gguf" });
  await done.waitFor({ timeout: 60_000 });
  assert.ok(existsSync(join(MODELS, "linear-merge.gguf")), "the merged file is where the dialog said");
  await wb.screenshot("merged");
  // The stand-in Ollama at chorus.ollamaUrl answers: registering with it is offered.
  assert.equal(await done.locator(".monaco-button", { hasText: "Register with Ollama" }).count(), 1);
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
