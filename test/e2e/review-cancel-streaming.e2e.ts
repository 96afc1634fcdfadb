// A review cancelled with the mouse while the models' replies are still streaming in. The panel used to redraw
// everything on each batch of tokens, so the Cancel button under the pointer was replaced between the press and
// the release, the click never registered, and the run finished instead (found by a UX audit in code-server).
// Here the replies come a word every 30 ms from a slow stand-in server of this test's own (the shared one
// streams without pauses), and the button is held down for 150 ms, as a person clicks. The panel says
// "Cancelling…" at once and the run ends cancelled. A reply's "# Heading" is shown small, not as the panel title.
// A cancelled run's Re-run button starts the same review again.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startFakeOllama, type FakeServer } from "../fixtures/fake-ollama";
import { uiTest } from "./harness";

const ALPHA = "qwen2.5-coder:1.5b";
const BETA = "llama3.2:1b";
const WORDS = 1500; // about 45 s of streaming: far longer than the test needs to click
const REPLY = `# Review notes\n\n${Array.from({ length: WORDS }, (_, i) => `word${i}`).join(" ")}`;
const SAMPLE = ["export function half(n: number): number {", "  return n / 2;", "}", ""].join("\n");

/** A free port, found synchronously: a UI test's settings are written before its code-server starts. */
function freePort(): number {
  const probe = "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})";
  return Number(execFileSync(process.execPath, ["-e", probe], { encoding: "utf8" }));
}

// Started by `settings` (once per try), stopped at the end of the try.
let slow: Promise<FakeServer> | undefined;

function slowServerUrl(): string {
  const port = freePort();
  slow = startFakeOllama({ port, models: [ALPHA, BETA], chunkDelayMs: 30, reply: () => REPLY });
  return `http://127.0.0.1:${port}`;
}

uiTest(
  "review: Cancel clicked with the mouse while replies stream stops the run, saying Cancelling… at once",
  async (wb) => {
    assert.ok(slow, "settings started the slow server");
    const server = await slow;
    try {
      const folder = new URL(wb.page.url()).searchParams.get("folder");
      assert.ok(folder);
      writeFileSync(join(folder, "half.ts"), SAMPLE);
      await wb.openFile("half.ts", "half", 15_000);

      await wb.runCommand("Chorus: Review File");
      const view = wb.webview();
      const alpha = view.locator('.round[data-round="1"] .column[data-model="alpha"]');
      await alpha.locator(".reply", { hasText: "word40" }).waitFor({ timeout: 30_000 });

      // Every status the panel shows from here on, in order: "Cancelling…" may be brief when the host stops fast.
      await view.locator("#app").evaluate((app) => {
        const seen: string[] = [];
        (window as unknown as { chorusStatuses: string[] }).chorusStatuses = seen;
        new MutationObserver(() => {
          const text = app.querySelector(".status")?.textContent ?? "";
          if (text !== seen.at(-1)) seen.push(text);
        }).observe(app, { subtree: true, childList: true, characterData: true });
      });
      await wb.screenshot("streaming");

      // A real mouse click (move, press, hold, release) on the button while tokens keep arriving.
      await view.locator('vscode-button[data-action="cancel-run"]').click({ delay: 150 });
      await view.locator(".status", { hasText: "Cancelled" }).waitFor({ timeout: 15_000 });
      const statuses = await view.locator("#app").evaluate(() => (window as unknown as { chorusStatuses: string[] }).chorusStatuses);
      assert.ok(
        statuses.some((t) => t.startsWith("Cancelling…")),
        `the panel said Cancelling… before Cancelled: ${JSON.stringify(statuses)}`,
      );
      assert.equal(await view.locator('vscode-button[data-action="cancel-run"]').count(), 0, "no Cancel button once stopped");
      assert.match(await alpha.innerText(), /stopped/);
      assert.doesNotMatch(await alpha.innerText(), new RegExp(`word${WORDS - 1}\\b`), "the reply was cut off, not finished");
      await wb.until("the slow server to see the streams closed", async () => server.clientAborts() > 0);
      // The model's "# Review notes" is a small heading inside its column; the panel's title stays the one <h1>.
      assert.equal(await view.locator(".markdown h1, .markdown h2, .markdown h3").count(), 0);
      assert.match(await alpha.locator(".reply h4").innerText(), /Review notes/);
      await wb.screenshot("cancelled");

      // Re-run: the same review starts again in the panel (a new run streaming from the top), and is cancelled again.
      const requestsBefore = server.requests.length;
      await view.locator('vscode-button[data-action="rerun"]').click();
      await view.locator(".status", { hasText: "Running" }).waitFor({ timeout: 15_000 });
      await wb.until("the models asked again", async () => server.requests.length > requestsBefore);
      assert.equal(await view.locator('vscode-button[data-action="rerun"]').count(), 0, "no Re-run while running");
      await alpha.locator(".reply", { hasText: "word5" }).waitFor({ timeout: 30_000 });
      await wb.screenshot("rerun");
      await view.locator('vscode-button[data-action="cancel-run"]').click();
      await view.locator(".status", { hasText: "Cancelled" }).waitFor({ timeout: 15_000 });
    } finally {
      await server.close();
    }
  },
  {
    settings: () => {
      const url = slowServerUrl();
      return {
        "chorus.models": [
          { id: "alpha", provider: "ollama", endpoint: url, model: ALPHA, tags: ["local"] },
          { id: "beta", provider: "ollama", endpoint: url, model: BETA, tags: ["local"] },
        ],
        "chorus.review.participants": ["alpha", "beta"],
        "chorus.review.rounds": 1,
      };
    },
  },
);
