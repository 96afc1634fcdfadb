// Typing in hello.ts until ghost text from a given model shows, and accepting it with Tab: what every inline
// completion UI test does (inline-completions.e2e.ts, ollama-fim.e2e.ts).
import type { Locator } from "playwright-core";
import type { Workbench } from "./harness";

/** Chorus activates after startup (onStartupFinished); the status bar names the mode once its completion provider
 *  is registered. Typing before that would test VS Code's trigger rules, not Chorus. */
export async function waitForMode(wb: Workbench, mode: string): Promise<void> {
  await wb.until(`the status bar to show the ${mode} mode`, async () => (await wb.statusBarItem(/Chorus:/).innerText()).includes(`Chorus: ${mode}`), 60_000);
}

/** Opens hello.ts (Quick Open), types `text` on a new line at its end and returns the editor's lines. */
export async function typeAtEndOfHello(wb: Workbench, text: string): Promise<Locator> {
  const lines = await wb.openFile("hello.ts", "return a + b");
  await lines.click();
  await wb.page.keyboard.press("Control+End");
  await wb.page.keyboard.press("Enter");
  await wb.page.keyboard.type(text, { delay: 40 });
  return lines;
}

/**
 * Waits until the ghost text `ghost` finds satisfies `done` (given the text of each match), and returns those texts.
 * VS Code asks on its own after typing; on a loaded machine that request can be lost to cancellation, so every 10 s
 * without the ghost text the test asks again the way a user would, with "Trigger Inline Suggestion" from the command
 * palette. (Its key, Alt+\, does not reach the editor in code-server under Chromium: measured, no request followed
 * four presses.)
 */
export async function untilGhostText(wb: Workbench, what: string, ghost: Locator, done: (texts: string[]) => boolean, timeoutMs: number): Promise<string[]> {
  let texts: string[] = [];
  let lastTrigger = Date.now();
  await wb.until(
    what,
    async () => {
      texts = await ghost.allInnerTexts();
      if (done(texts)) return true;
      if (Date.now() - lastTrigger > 10_000) {
        lastTrigger = Date.now();
        await wb.runEditorCommand("Trigger Inline Suggestion");
      }
      return false;
    },
    timeoutMs,
  );
  return texts;
}

export async function typeAndAccept(wb: Workbench, expectedModel: string, mode: string): Promise<void> {
  await waitForMode(wb, mode);
  const lines = await typeAtEndOfHello(wb, "export const answer = ");
  // Monaco renders ghost text in spans with non-breaking spaces: compare with whitespace normalised.
  const ghost = wb.page.locator(".ghost-text-decoration, .ghost-text");
  await untilGhostText(wb, `ghost text from ${expectedModel}`, ghost, (texts) => texts.join("").replace(/\s+/g, " ").includes(`from ${expectedModel}`), 45_000);
  await wb.screenshot("ghost-text");
  await wb.page.keyboard.press("Tab");
  await wb.until("the accepted completion in the document", async () =>
    (await lines.innerText()).replace(/\s+/g, " ").includes(`export const answer = fake reply from ${expectedModel}`),
  );
  await wb.screenshot("accepted");
}
