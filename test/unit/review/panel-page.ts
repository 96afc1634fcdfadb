// The review panel's real bundle (webview/main.ts, built here with esbuild) on a blank page in headless Chromium,
// with a stand-in for the webview API VS Code injects that records what the panel posts and saves.
import * as esbuild from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";
import type { HostMessage } from "../../../src/core/collab/text/panel-messages";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export interface PanelPage {
  browser: Browser;
  page: Page;
  /** Errors thrown in the page. */
  errors: string[];
  /** Deliver host messages the way VS Code does (window message events). */
  send(...messages: HostMessage[]): Promise<void>;
  /** What the panel posted to the host so far. */
  posted(): Promise<{ type: string; data: unknown }[]>;
}

/** `starting`: the page the host writes for a panel opened for a run (review-panel.ts html). */
export async function openPanel(opts: { starting?: boolean } = {}): Promise<PanelPage> {
  const built = await esbuild.build({
    entryPoints: ["webview/main.ts"],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.setContent(`<!DOCTYPE html><html><body><main id="app"${opts.starting ? " data-starting" : ""}></main></body></html>`);
    // A string, not a function: tsx's name-keeping helpers do not exist inside the page.
    await page.evaluate(`
      window.__posted = [];
      window.acquireVsCodeApi = () => ({
        postMessage: (m) => window.__posted.push(m),
        getState: () => window.__state,
        setState: (s) => { window.__state = s; },
      });`);
    await page.addScriptTag({ content: built.outputFiles[0]!.text, type: "module" });
    const posted = () => page.evaluate(() => (window as unknown as { __posted: { type: string; data: unknown }[] }).__posted);
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === "ready"));
    return {
      browser,
      page,
      errors,
      posted,
      send: async (...messages) => {
        for (const m of messages) await page.evaluate((msg) => window.postMessage(msg, "*"), m);
      },
    };
  } catch (e) {
    await browser.close();
    throw e;
  }
}
