// What the review panel says, from a UX audit: "line 2", not "lines 2–2"; a judge's free-text verdict indented like
// code is not turned into a code block; a panel opened for a run says it is starting (no "No review yet" flash);
// a finished or cancelled run has a Re-run button that asks the host to run it again.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import type { HostMessage } from "../../../src/core/collab/text/panel-messages";
import { parseWebviewMessage } from "../../../src/core/collab/text/panel-messages";
import { lineLabel, proseForMarkdown } from "../../../webview/prose";
import { CHROMIUM, openPanel } from "./panel-page";

void test("one line is 'line 2', several are 'lines 2–4'", () => {
  assert.equal(lineLabel({ start: 2, end: 2 }), "line 2");
  assert.equal(lineLabel({ start: 2, end: 4 }), "lines 2–4");
});

void test("prose indented four spaces or more is not code; fenced code and list nesting stay", () => {
  const text = ["The judge agrees:", "", "    F1 is a real bug in the loop.", "\tF2 is style.", "- a", "  - nested", "```ts", "    const x = 1;", "```"].join(
    "\n",
  );
  const out = proseForMarkdown(text).split("\n");
  assert.equal(out[2], "   F1 is a real bug in the loop.");
  assert.equal(out[3], "   F2 is style.");
  assert.equal(out[5], "  - nested");
  assert.equal(out[7], "    const x = 1;", "inside a fence nothing changes");
});

void test("the Re-run message is accepted with a run id and refused without", () => {
  assert.deepEqual(parseWebviewMessage({ type: "rerun", id: "", data: { runId: "r-1" } }), {
    ok: true,
    message: { type: "rerun", id: "", data: { runId: "r-1" } },
  });
  assert.equal(parseWebviewMessage({ type: "rerun", id: "", data: {} }).ok, false);
});

const runId = "run-rerun";
const ev = (event: unknown): HostMessage => ({ type: "review-event", id: "", data: { runId, event } }) as HostMessage;

void test(
  "a panel opened for a run says it is starting; a cancelled run offers Re-run; a prose verdict is not code",
  { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` },
  async () => {
    const { browser, page, errors, send, posted } = await openPanel({ starting: true });
    try {
      const first = await page.locator("#app").innerText();
      assert.match(first, /Starting the review/);
      assert.doesNotMatch(first, /No review yet/);

      await send(
        { type: "run", id: "", data: { runId, source: { uri: "file:///a.ts", label: "a.ts" } } },
        ev({ type: "run-started", runId, mode: "debate", file: "a.ts", lines: { start: 2, end: 2 }, participants: ["a", "b"], judge: "a", rounds: 1 }),
      );
      await page.locator("h1", { hasText: "a.ts:2" }).waitFor();
      assert.equal(await page.locator('[data-action="rerun"]').count(), 0, "no Re-run while running");
      assert.doesNotMatch(await page.locator("h1").innerText(), /2–2/);

      const verdict = { by: "a", summary: "Both findings hold.\n\n    The loop in F1 stops one short.", decisions: [], form: "prose" };
      await send(ev({ type: "done", status: "cancelled", reason: "cancelled by the user", roundsRun: 1, findings: [], verdict, costUsd: 0 }));
      const rerun = page.locator('[data-action="rerun"]');
      await rerun.waitFor();
      assert.equal(await page.locator(".verdict-text pre, .verdict-text code").count(), 0, "the verdict's prose is not a code block");
      assert.match(await page.locator(".verdict-text").innerText(), /The loop in F1 stops one short\./);
      await rerun.click();
      await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === "rerun"));
      assert.deepEqual(
        (await posted()).filter((m) => m.type === "rerun"),
        [{ type: "rerun", id: "", data: { runId } }],
      );
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  },
);
