// A logit-mixing preset as the inline-completion mode, in a real VS Code: the extension's own sidecar serves the
// generated demo models, "Chorus: Choose Collaboration Mode" offers the preset, and typing in a TypeScript file
// shows the preset's ghost text, which Tab accepts into the document.
import * as assert from "node:assert/strict";
import { uiTest } from "./harness";

const MODE = "mix:contrastive-ts";

uiTest(
  "choose a logit-mixing preset as the completion mode and see its ghost text",
  async (wb) => {
    await wb.statusBarItem(/Sidecar/).waitFor({ timeout: 60_000 });
    // The presets become modes once the sidecar is up and has listed them: reopen the picker until it offers one.
    await wb.until(
      `the mode picker to offer ${MODE}`,
      async () => {
        await wb.runCommand("Chorus: Choose Collaboration Mode");
        await wb.quickPickRows().first().waitFor();
        await wb.quickInput().fill(MODE);
        const offered =
          (await wb
            .quickPickRows()
            .filter({ hasText: `Inline completions · ${MODE}` })
            .count()) > 0;
        if (!offered) await wb.page.keyboard.press("Escape");
        return offered;
      },
      120_000,
    );
    await wb.screenshot("picker");
    await wb.pick(`Inline completions · ${MODE}`, { filter: MODE });
    const status = wb.statusBarItem(/Chorus:/);
    await wb.until(`the status bar to show ${MODE}`, async () => (await status.innerText()).includes(MODE));

    await wb.page.locator(".explorer-folders-view .monaco-list-row", { hasText: "hello.ts" }).first().dblclick();
    await wb.page.locator(".monaco-editor .view-lines").first().waitFor();
    await wb.page.locator(".monaco-editor .view-lines").first().click();
    await wb.page.keyboard.press("Control+End");
    await wb.page.keyboard.type("\nconst n = items.len", { delay: 20 });

    const ghost = wb.page.locator(".monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text-decoration-preview");
    let suggestion = "";
    await wb.until(
      "ghost text from the mixing preset",
      async () => {
        suggestion = (await ghost.allInnerTexts()).join("").replace(/\u00a0/g, " ");
        return suggestion.trim().length > 0;
      },
      60_000,
    );
    await wb.screenshot("ghost-text");
    // The status bar names the model that answered: the preset's virtual model, through the sidecar.
    await wb.until("the status bar to name the preset's model", async () => (await status.innerText()).includes("chorus/contrastive-ts"));

    await wb.page.keyboard.press("Tab");
    await wb.until("the suggestion to be accepted into the document", async () => {
      const lines = (await wb.page.locator(".monaco-editor .view-line").allInnerTexts()).map((l) => l.replace(/\u00a0/g, " "));
      return lines.some((l) => l.includes(`const n = items.len${suggestion.trimEnd()}`));
    });
    assert.ok(suggestion.length > 0);
    await wb.screenshot("accepted");
  },
  {
    settings: () => ({ "editor.inlineSuggest.enabled": true }),
  },
);
