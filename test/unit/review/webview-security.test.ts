// The review panel's real bundle (webview/main.ts, built here with esbuild) in headless Chromium, fed model text
// that tries every common way to run script: <script>, event-handler attributes, javascript: links (HTML and
// markdown), iframes, SVG. No CSP on this page, so only the panel's own sanitising stands between the text and
// the page. The text must still be shown (as text), and nothing may run.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import type { HostMessage } from "../../../src/core/collab/text/panel-messages";
import { CHROMIUM, openPanel } from "./panel-page";

const EVIL = [
  `<script>window.__pwned = "script"</script>`,
  `<img src=x onerror="window.__pwned='img'">`,
  `<a href="javascript:window.__pwned='a'">click me</a>`,
  `[md link](javascript:window.__pwned='md')`,
  `<a href=" JaVaScRiPt:window.__pwned='spaced'">spaced</a>`,
  `<div onmouseover="window.__pwned='hover'" onclick="window.__pwned='click'">hover me</div>`,
  `<iframe srcdoc="<script>parent.__pwned='iframe'</script>"></iframe>`,
  `<svg onload="window.__pwned='svg'"><circle r=5 /></svg>`,
  `<form action="javascript:window.__pwned='form'"><button>go</button></form>`,
  `<details open ontoggle="window.__pwned='toggle'">x</details>`,
].join("\n\n");

function messages(): HostMessage[] {
  const runId = "run-evil";
  const finding = {
    id: "F1",
    file: "a.ts",
    lines: { start: 1, end: 1 },
    severity: "error" as const,
    category: `<b onclick="window.__pwned='cat'">cat</b>`,
    title: `<script>window.__pwned="title"</script>`,
    rationale: EVIL,
    patch: `</code></pre><script>window.__pwned="patch"</script>`,
    raisedBy: [`<img src=x onerror="window.__pwned='model'">`],
    supportedBy: [],
    disputedBy: ["b"],
    notes: [{ model: "b", stance: "dispute" as const, reason: `<img src=x onerror="window.__pwned='note'">`, round: 2 }],
    round: 1,
  };
  const ev = (event: unknown): HostMessage => ({ type: "review-event", id: "", data: { runId, event } }) as HostMessage;
  return [
    { type: "run", id: "", data: { runId, source: { uri: "file:///a.ts", label: `<script>window.__pwned="label"</script>` } } },
    ev({ type: "run-started", runId, mode: "debate", file: "a.ts", lines: { start: 1, end: 3 }, participants: ["a", "b"], judge: "a", rounds: 2 }),
    ev({ type: "round-started", round: 1, label: "Round 1", models: ["a", "b"] }),
    ev({ type: "model-delta", round: 1, model: "a", text: EVIL }),
    ev({
      type: "model-done",
      round: 1,
      model: "b",
      text: EVIL,
      form: "prose",
      notes: [`<script>window.__pwned="notes"</script>`],
      costUsd: 0,
      outputTokens: 1,
    }),
    ev({ type: "findings-updated", round: 1, findings: [finding] }),
    ev({
      type: "verdict",
      verdict: {
        by: "a",
        summary: EVIL,
        decisions: [{ finding: "F1", decision: "accept", reason: `<img src=x onerror="window.__pwned='reason'">` }],
        form: "json",
      },
    }),
  ];
}

void test(
  "model text with script, event handlers and javascript: links is rendered inert",
  { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` },
  async () => {
    const { browser, page, errors, send } = await openPanel();
    try {
      await send(...messages());
      await page.locator("article.finding").waitFor();
      await page.locator(".verdict").waitFor();

      // Try to trigger everything a user could: click every link, hover and click every element.
      for (const a of await page.locator("#app a").all()) await a.click({ force: true, timeout: 2000 }).catch(() => undefined);
      for (const el of await page.locator("#app .markdown *").all()) await el.hover({ force: true, timeout: 500 }).catch(() => undefined);
      await page.waitForTimeout(300);

      const report = await page.evaluate(() => {
        const app = document.getElementById("app")!;
        const all = [...app.querySelectorAll("*")];
        return {
          pwned: (window as unknown as { __pwned?: string }).__pwned,
          scripts: app.querySelectorAll("script").length,
          dangerous: app.querySelectorAll("iframe, svg, img, form, object, embed").length,
          handlers: all.flatMap((e) => [...e.attributes].filter((a) => a.name.toLowerCase().startsWith("on")).map((a) => `${e.tagName}.${a.name}`)),
          jsLinks: all.filter((e) => /^\s*javascript:/i.test(e.getAttribute("href") ?? "") || /^\s*javascript:/i.test(e.getAttribute("action") ?? "")).length,
          text: app.innerText,
          url: location.href,
        };
      });
      assert.equal(report.pwned, undefined, `script ran: ${report.pwned}`);
      assert.equal(report.scripts, 0);
      assert.equal(report.dangerous, 0);
      assert.deepEqual(report.handlers, []);
      assert.equal(report.jsLinks, 0);
      assert.equal(report.url, "about:blank", "no link navigated the page");
      assert.deepEqual(errors, []);
      // Nothing is lost: text fields show the raw text literally, and markdown keeps the harmless parts.
      assert.match(report.text, /<script>window\.__pwned="title"<\/script>/);
      assert.match(report.text, /Disputed by b/);
      assert.match(report.text, /click me/);
      assert.match(report.text, /md link/);
      assert.match(report.text, /hover me/);
      // The saved state (what a reload restores) holds the text as data, not as markup that ran.
      const saved = await page.evaluate(() => JSON.stringify((window as unknown as { __state: unknown }).__state));
      assert.ok(saved.includes("__pwned"), "the state keeps the model text verbatim");
    } finally {
      await browser.close();
    }
  },
);
