// The review panel's real bundle in headless Chromium while a reply streams in. The panel redraws on every batch
// of tokens; it used to rebuild everything, so the Cancel button was replaced between a mouse press and its
// release and the click was lost (found by a UX audit). Here: what did not change keeps its element, a click held
// down while tokens keep arriving cancels (once) and says "Cancelling…" at once, and a model's "# Heading" is no
// bigger than the panel's own headings.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import type { HostMessage } from "../../../src/core/collab/text/panel-messages";
import { CHROMIUM, openPanel } from "./panel-page";

const runId = "run-stream";
const ev = (event: unknown): HostMessage => ({ type: "review-event", id: "", data: { runId, event } }) as HostMessage;
const delta = (model: string, text: string): HostMessage => ev({ type: "model-delta", round: 1, model, text });

const FINDING = {
  id: "F1",
  file: "a.ts",
  lines: { start: 2, end: 2 },
  severity: "warning" as const,
  category: "bug",
  title: "Off by one",
  rationale: "The loop stops one short.",
  raisedBy: ["a"],
  supportedBy: [],
  disputedBy: [],
  notes: [],
  round: 1,
};

/** Elements whose identity the test follows across redraws. */
const TRACKED: Record<string, string> = {
  cancel: '[data-action="cancel-run"]',
  status: ".status",
  title: "h1",
  columnB: '.column[data-model="b"]',
  finding: "article.finding",
};

void test(
  "while a reply streams, the Cancel button stays put and a held mouse click cancels once",
  { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` },
  async () => {
    const { browser, page, errors, send, posted } = await openPanel();
    // Remember the element each name shows now; `kept` tells later which are still the same element.
    const tag = (names: string[]) =>
      page.evaluate(
        ([names, sel]) => {
          const w = window as unknown as { tagged?: Record<string, Element | null> };
          w.tagged ??= {};
          for (const n of names) w.tagged[n] = document.querySelector(sel[n]!);
        },
        [names, TRACKED] as const,
      );
    const kept = () =>
      page.evaluate((sel) => {
        const tagged = (window as unknown as { tagged: Record<string, Element | null> }).tagged;
        return Object.fromEntries(Object.keys(tagged).map((n) => [n, tagged[n] === document.querySelector(sel[n]!)]));
      }, TRACKED);
    try {
      await send(
        { type: "run", id: "", data: { runId, source: { uri: "file:///a.ts", label: "a.ts" } } },
        ev({ type: "run-started", runId, mode: "debate", file: "a.ts", participants: ["a", "b"], judge: "a", rounds: 1 }),
        ev({ type: "round-started", round: 1, label: "Round 1", models: ["a", "b"] }),
        delta("a", "# Big title\n\n## Smaller\n\nstart "),
        delta("b", "<h1>raw heading</h1> and text"),
      );
      await page.locator(".column[data-model='b'] .reply", { hasText: "and text" }).waitFor();
      await tag(["cancel", "status", "title", "columnB"]);

      // Tokens for model a arrive across several redraws (50 ms apart), and a finding comes in.
      for (let i = 0; i < 8; i++) {
        await send(delta("a", `w${i} `));
        await page.waitForTimeout(60);
      }
      await send(ev({ type: "findings-updated", round: 1, findings: [FINDING] }));
      await page.locator("article.finding").waitFor();
      await tag(["finding"]);
      await send(delta("a", "w8 "));
      await page.locator(".column[data-model='a'] .reply", { hasText: "w8" }).waitFor();
      assert.deepEqual(await kept(), { cancel: true, status: true, title: true, columnB: true, finding: true }, "only model a's column was built again");

      // A model's headings sit below the panel's (h1 title, h2 sections, h3 rounds); raw HTML headings become text.
      const headings = await page.evaluate(() =>
        [...document.querySelectorAll(".markdown :is(h1, h2, h3, h4, h5, h6)")].map((h) => `${h.tagName} ${h.textContent}`),
      );
      assert.deepEqual(headings, ["H4 Big title", "H5 Smaller"]);
      assert.match(await page.locator(".column[data-model='b']").innerText(), /raw heading and text/);
      assert.equal(await page.locator("h1").count(), 1, "the panel's title is the only h1");

      // A click held down for 200 ms while tokens arrive every 10 ms (a string: no tsx helpers inside the page).
      await page.evaluate(`window.__feed = setInterval(() => window.postMessage(${JSON.stringify(delta("a", "more "))}, "*"), 10)`);
      const box = (await page.locator('vscode-button[data-action="cancel-run"]').boundingBox())!;
      const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
      await page.mouse.move(x, y);
      await page.mouse.down();
      await page.waitForTimeout(200);
      await page.mouse.up();
      const cancels = async () => (await posted()).filter((m) => m.type === "cancel-run");
      assert.deepEqual(await cancels(), [{ type: "cancel-run", id: "", data: { runId } }]);
      assert.equal(await page.locator(".status").innerText(), "Cancelling…");
      const button = page.locator('vscode-button[data-action="cancel-run"]');
      assert.equal(await button.getAttribute("disabled"), "");
      assert.equal(await button.innerText(), "Cancelling…");

      // While the host winds the run down, another click or Escape asks nothing more.
      await page.mouse.click(x, y);
      await page.keyboard.press("Escape");
      assert.equal((await cancels()).length, 1);
      await page.evaluate("clearInterval(window.__feed)");

      await send(
        ev({ type: "done", status: "cancelled", reason: "stopped on request; the findings so far are kept", roundsRun: 1, findings: [FINDING], costUsd: 0 }),
      );
      await page.locator(".status", { hasText: "Cancelled" }).waitFor();
      assert.equal(await button.count(), 0, "no Cancel button once stopped");
      assert.match(await page.locator(".column[data-model='a']").innerText(), /stopped/);
      const saved = await page.evaluate(() => (window as unknown as { __state: { cancelling?: boolean } }).__state);
      assert.equal(saved.cancelling, undefined, "the host's done ends the cancelling state");
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  },
);
