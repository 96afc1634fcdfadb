// The UI-test harness: a real VS Code workbench (code-server) in headless Chromium, driven like a user would.
// scripts/vscode-tests.mjs starts a fresh code-server per test, opens the workbench and calls `run(wb)`.
// See test/e2e/README.md for how to write a UI test.
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { FrameLocator, Locator, Page } from "playwright-core";
import type { FakeServer } from "../fixtures/fake-ollama";

export interface Fakes {
  ollama: FakeServer;
  /** OpenAI-compatible, base URL ending in /v1; wants the key "sk-chorus-test" (401 otherwise). */
  openai: FakeServer;
}

export interface UiTest {
  name: string;
  /** Extra user settings for this test's instance (merged over the defaults the runner writes). */
  settings?: (fakes: Fakes) => Record<string, unknown>;
  /** Files written into the instance's user-data dir before it starts (path relative to it → content),
   *  e.g. a ledger under `User/globalStorage/chorus-dev.chorus/ledger/ledger.jsonl`. */
  userDataFiles?: Record<string, string>;
  /** The folder (relative to the repository) copied as the test's workspace; test/fixtures/workspace by default. */
  workspace?: string;
  run(wb: Workbench): Promise<void>;
}

/** Where Chorus keeps its global storage inside an instance's user-data dir. */
export const CHORUS_GLOBAL_STORAGE = "User/globalStorage/chorus-dev.chorus";

// One list per process, even when the runner's loader gives each test file its own copy of this module.
const REGISTRY = Symbol.for("chorus.e2e.tests");
const tests: UiTest[] = ((globalThis as Record<symbol, UiTest[] | undefined>)[REGISTRY] ??= []);

/** Declare a UI test (call at module top level of a test/e2e/*.e2e.ts file). */
export function uiTest(name: string, run: (wb: Workbench) => Promise<void>, opts: Pick<UiTest, "settings" | "userDataFiles" | "workspace"> = {}): void {
  tests.push({ name, run, ...opts });
}

export function registeredTests(): readonly UiTest[] {
  return tests;
}

/** Every file below `dir` (recursively) whose name passes `match`: where VS Code put an instance's logs, say. */
export function filesUnder(dir: string, match: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), match) : match(e.name) ? [join(dir, e.name)] : [],
  );
}

export class Workbench {
  private shots = 0;

  constructor(
    readonly page: Page,
    private readonly opts: { resultsDir: string; slug: string; fakes: Fakes; userDataDir: string },
  ) {}

  get fakes(): Fakes {
    return this.opts.fakes;
  }

  /** This instance's user-data dir (Chorus's global storage is CHORUS_GLOBAL_STORAGE below it). */
  get userDataDir(): string {
    return this.opts.userDataDir;
  }

  /** What the extension wrote to its "Chorus" output channel (VS Code keeps it under the user data's logs). */
  chorusLog(): string {
    return filesUnder(join(this.userDataDir, "logs"), (name) => name.endsWith("Chorus.log"))
      .map((f) => readFileSync(f, "utf8"))
      .join("\n");
  }

  /** Load the workbench and wait until the editor area and status bar are there. */
  async open(url: string): Promise<void> {
    const t0 = Date.now();
    await this.page.goto(url);
    await this.page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
    await this.page.locator("#workbench\\.parts\\.statusbar").waitFor({ timeout: 60_000 });
    this.trace(`workbench loaded in ${Date.now() - t0} ms`);
  }

  /** CHORUS_E2E_TRACE=1 prints where a UI test spends its time. */
  trace(message: string): void {
    if (process.env.CHORUS_E2E_TRACE) console.log(`    · ${message}`);
  }

  /**
   * Run a command from the command palette (F1), as a user would. Retries until the command shows up: right
   * after load the extension may not have registered it yet.
   */
  async runCommand(title: string, timeoutMs = 30_000): Promise<void> {
    const t0 = Date.now();
    const deadline = t0 + timeoutMs;
    for (;;) {
      await this.page.keyboard.press("Escape");
      await this.page
        .locator(".monaco-workbench")
        .click({ position: { x: 600, y: 300 } })
        .catch(() => undefined);
      await this.page.keyboard.press("F1");
      const input = this.quickInput();
      await input.waitFor({ timeout: 5_000 });
      await input.fill(`>${title}`);
      const row = this.page.locator(".quick-input-widget .monaco-list-row", { hasText: title }).first();
      const found = await row.waitFor({ timeout: 3_000 }).then(
        () => true,
        () => false,
      );
      if (found && (await row.getAttribute("aria-label"))?.includes(title)) {
        await this.page.keyboard.press("Enter");
        await this.paletteGone();
        this.trace(`ran "${title}" after ${Date.now() - t0} ms`);
        return;
      }
      this.trace(`"${title}" not in the palette yet (${Date.now() - t0} ms)`);
      if (Date.now() > deadline) throw new Error(`The command "${title}" did not appear in the command palette within ${timeoutMs} ms.`);
      await this.page.waitForTimeout(500);
    }
  }

  /**
   * Run a command from the command palette without first clicking into the workbench, so the editor keeps its
   * cursor and gets the focus back when the palette closes (editor commands such as "Trigger Inline Suggestion").
   */
  async runEditorCommand(title: string): Promise<void> {
    await this.page.keyboard.press("F1");
    await this.quickInput().fill(`>${title}`);
    await this.quickPickRows().filter({ hasText: title }).first().waitFor({ timeout: 10_000 });
    await this.page.keyboard.press("Enter");
    this.trace(`ran "${title}" in the editor`);
  }

  /**
   * After Enter in the command palette: wait until its ">…" text is gone. VS Code 1.139 fades the palette out, so
   * for a moment its rows are still there, and a test looking for the command's own quick pick would read them.
   */
  private async paletteGone(): Promise<void> {
    await this.page
      .waitForFunction(
        () => {
          const widget = document.querySelector<HTMLElement>(".quick-input-widget");
          const input = document.querySelector<HTMLInputElement>(".quick-input-widget input.input");
          return !widget || widget.style.display === "none" || !input || !input.value.startsWith(">");
        },
        undefined,
        { timeout: 5_000 },
      )
      .catch(() => undefined); // a command that opens nothing leaves the hidden palette as it was
  }

  /** The quick input's text box (command palette, quick picks, input boxes). */
  quickInput(): Locator {
    return this.page.locator(".quick-input-widget input.input");
  }

  /** Rows of the open quick pick. */
  quickPickRows(): Locator {
    return this.page.locator(".quick-input-widget .monaco-list-row");
  }

  /** Pick the quick-pick row whose text contains `text` (by typing it to filter, then Enter). */
  async pick(text: string, opts: { filter?: string } = {}): Promise<void> {
    const input = this.quickInput();
    await input.waitFor();
    await input.fill(opts.filter ?? text);
    const row = this.quickPickRows().filter({ hasText: text }).first();
    await row.waitFor({ timeout: 10_000 });
    await row.click();
  }

  /**
   * Opens a workspace file the way a user does, by Quick Open (Ctrl+P), and waits until its editor shows `line`;
   * returns that editor's lines.
   */
  async openFile(name: string, line: string, timeoutMs = 20_000): Promise<Locator> {
    await this.page.keyboard.press("Control+P");
    await this.quickInput().fill(name);
    await this.quickPickRows().filter({ hasText: name }).first().waitFor();
    await this.page.keyboard.press("Enter");
    const lines = this.page.locator(".monaco-editor .view-lines", { hasText: line }).first();
    await lines.waitFor({ timeout: timeoutMs });
    return lines;
  }

  /** Selects everything in the editor of `lines` and asks Chorus about it (Ask's key), typing `question`. */
  async askAboutSelection(lines: Locator, question: string): Promise<void> {
    await lines.click();
    await this.page.keyboard.press("Control+A");
    await this.page.keyboard.press("Control+Alt+Shift+A");
    const input = this.quickInput();
    await input.waitFor({ timeout: 15_000 });
    await input.fill(question);
    await this.page.keyboard.press("Enter");
  }

  /** A status bar item found by its accessible name or text; `id` is the extension's item id when known. */
  statusBarItem(text: string | RegExp): Locator {
    return this.page.locator("#workbench\\.parts\\.statusbar .statusbar-item").filter({ hasText: text }).first();
  }

  /** The content of the active webview panel (webviews nest two iframes). */
  webview(): FrameLocator {
    return this.page.frameLocator("iframe.webview.ready").frameLocator("#active-frame");
  }

  /** Notification toasts currently shown. */
  notifications(): Locator {
    return this.page.locator(".notifications-toasts .notification-toast");
  }

  /** Save a screenshot into test-results/<test>-<n>-<name>.png and return its path. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(this.opts.resultsDir, { recursive: true });
    const file = join(this.opts.resultsDir, `${this.opts.slug}-${++this.shots}-${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Wait until `check` returns true (polling), with a message naming what was awaited. */
  async until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
      await this.page.waitForTimeout(250);
    }
  }
}
