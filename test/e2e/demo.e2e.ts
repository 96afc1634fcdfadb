// The demo as a new user meets it (issue #21): nothing configured, no Ollama, the extension's sidecar serving the
// small models Chorus trained on code (models/demo), the demo workspace (demo/workspace). Ghost text in a
// TypeScript file comes from the demo's default mix and is code-like (a check the old bigram demo models fail:
// test/e2e/code-like.ts); the review of the planted-bug file comes from the scripted demo reviewer, labelled as
// such, and its fix is previewed and applied, leaving exactly the fixed text.
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { codeLike } from "./code-like";
import { untilGhostText, waitForMode } from "./ghost-text";
import { uiTest, type Workbench } from "./harness";

const DEMO_SETTINGS = {
  // No models and no Ollama: the demo stands in.
  "chorus.models": [],
  "chorus.ollamaUrl": "http://127.0.0.1:9",
  "chorus.sidecar.demoModels": true,
  "editor.inlineSuggest.enabled": true,
};
const DEMO = { settings: () => DEMO_SETTINGS, workspace: "demo/workspace" };
const SCRIPTED_LABEL = "Scripted demo reviewer — recorded findings for the demo files, not a model's output";

uiTest(
  "demo: with nothing configured, ghost text in a TypeScript file comes from the demo mix and is code-like",
  async (wb) => {
    // The demo's default completion mode once the sidecar serves the demo models (src/core/demo/demo-models.ts).
    await wb.until("the demo models to be in use", async () => (await wb.statusBarItem(/Chorus:/).innerText()).includes("demo models"), 150_000);
    await waitForMode(wb, "mix:contrastive-ts");
    const notice = wb.notifications().filter({ hasText: "small demo models" }).first();
    await notice.waitFor({ timeout: 20_000 });
    assert.match(await notice.innerText(), /short code-like completions.*cannot follow instructions, answer questions or review code/s);
    await wb.screenshot("first-run-notice");

    await wb.openFile("hello.ts", "return a + b");
    const lines = wb.page.locator(".monaco-editor .view-lines").first();
    await lines.click();
    await wb.page.keyboard.press("Control+End");
    await wb.page.keyboard.press("Enter");
    // A function's first body line: where the old demo's default answered nothing (issue #21 item 2).
    await wb.page.keyboard.type("export function subtract(a: number, b: number): number {", { delay: 30 });
    await wb.page.keyboard.press("Enter");
    const ghost = wb.page.locator(".monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text-decoration-preview, .monaco-editor .ghost-text");
    const joined = (texts: string[]) => texts.join("\n").replace(/\u00a0/g, " ");
    const suggestion = joined(await untilGhostText(wb, "ghost text from the demo mix", ghost, (texts) => joined(texts).trim() !== "", 90_000));
    await wb.screenshot("ghost-text");
    const verdict = codeLike(suggestion);
    assert.ok(verdict.ok, `the demo's ghost text is not code-like (${verdict.why.join("; ")}): ${JSON.stringify(suggestion)}`);
    await wb.until("the status bar to name the preset", async () => (await wb.statusBarItem(/Chorus:/).innerText()).includes("chorus/contrastive-ts"));
  },
  DEMO,
);

const card = (wb: Workbench, id: string) => wb.webview().locator(`article.finding[data-finding="${id}"]`);

uiTest(
  "demo: a review of the planted-bug file shows the scripted reviewer's findings, labelled, and Apply fix writes the fixed text",
  async (wb) => {
    await wb.until("the demo models to be in use", async () => (await wb.statusBarItem(/Chorus:/).innerText()).includes("demo models"), 150_000);
    const folder = new URL(wb.page.url()).searchParams.get("folder");
    assert.ok(folder, "the workbench URL names its folder");
    const file = join(folder, "cart.ts");
    const original = readFileSync(file, "utf8");
    await wb.openFile("cart.ts", "export function subtotal");

    await wb.runCommand("Chorus: Review File");
    // Refine with one reviewer converges after the critique (it supports its own findings and adds none).
    await wb.webview().locator(".status:not(.status-running):not(.status-cancelling)").waitFor({ timeout: 60_000 });
    assert.match(await wb.webview().locator(".status").innerText(), /Converged|Finished/);
    const panel = await wb.webview().locator("body").innerText();
    assert.ok(panel.includes(SCRIPTED_LABEL), `the panel says the reviewer is scripted:\n${panel}`);
    for (const id of ["F1", "F2", "F3"]) await card(wb, id).waitFor();
    assert.match(await card(wb, "F1").innerText(), /one item past the end/);
    await wb.screenshot("review-findings");

    await card(wb, "F1").locator('vscode-button[data-action="preview-fix"]').click();
    await wb.page.locator(".tab", { hasText: "fix F1" }).first().waitFor({ timeout: 15_000 });
    await wb.screenshot("preview-fix");

    for (const id of ["F1", "F2", "F3"]) {
      await card(wb, id).locator('vscode-button[data-action="apply-fix"]').click();
      await card(wb, id).locator('vscode-button[data-action="apply-fix"]', { hasText: "Applied" }).waitFor({ timeout: 15_000 });
    }
    await wb.page
      .locator(".tab", { hasText: /^cart\.ts/ })
      .first()
      .click();
    await wb.page.keyboard.press("Control+S");
    const expected = original
      .replace("for (let i = 0; i <= items.length; i++) {", "for (let i = 0; i < items.length; i++) {")
      .replace("return amount - amount * discount.percent;", "return amount - (amount * discount.percent) / 100;")
      .replace("return items.find((item) => (item.sku = sku));", "return items.find((item) => item.sku === sku);");
    assert.notEqual(expected, original);
    await wb
      .until("the saved file to hold the three fixes", async () => readFileSync(file, "utf8") === expected, 15_000)
      .catch(() => {
        assert.equal(readFileSync(file, "utf8"), expected);
      });
    await wb.screenshot("fixes-applied");
  },
  DEMO,
);

uiTest(
  "demo: Ask says the demo models cannot answer questions and shows, labelled, how they continue the selected code",
  async (wb) => {
    await wb.until("the demo models to be in use", async () => (await wb.statusBarItem(/Chorus:/).innerText()).includes("demo models"), 150_000);
    await wb.askAboutSelection(await wb.openFile("cart.ts", "export function subtotal"), "What does subtotal do?");
    const answer = wb.page.locator(".monaco-editor .view-lines", { hasText: "What does subtotal do?" }).first();
    let text = "";
    await wb.until(
      "the demo's answer: what the models cannot do, then a labelled continuation",
      async () => {
        text = (await answer.innerText().catch(() => "")).replace(/\u00a0/g, " ");
        return /Continued by/.test(text.replace(/\s+/g, " "));
      },
      120_000,
    );
    await wb.screenshot("demo-ask");
    const flat = text.replace(/\s+/g, " ");
    assert.match(flat, /write code, not answers/, "says what the demo models cannot do");
    assert.match(flat, /Not an answer to the question/, "the continuation is labelled for what it is");
    assert.match(flat, /Continued by chorus\/contrastive-ts .*\(demo models\)/, "names the demo mix that wrote it");
    const block = /```typescript\n([\s\S]*?)\n```/.exec(text);
    assert.ok(block, `a TypeScript code block in the answer:\n${text}`);
    const verdict = codeLike(block[1]!);
    assert.ok(verdict.ok, `the continuation is not code-like (${verdict.why.join("; ")}): ${JSON.stringify(block[1])}`);
  },
  DEMO,
);
