// "Chorus: Ask About Selection…" in a real VS Code: select code, press the keybinding, type a question; the answer
// of the routed model streams into a Markdown document beside the code, with who answered and why, and the
// rating notification takes a click.
import * as assert from "node:assert/strict";
import { uiTest } from "./harness";

const CHEAP = "qwen2.5-coder:1.5b";
const STRONG = "llama3.2:1b";

uiTest(
  "ask: a question about the selection is routed, streamed into a Markdown document and can be rated",
  async (wb) => {
    wb.fakes.ollama.setReply((r) => `fake reply from ${r.model ?? "?"}: it adds two numbers.`);
    const since = wb.fakes.ollama.requests.length;
    await wb.page.keyboard.press("Control+P");
    await wb.quickInput().fill("hello.ts");
    await wb.quickPickRows().filter({ hasText: "hello.ts" }).first().waitFor();
    await wb.page.keyboard.press("Enter");
    const code = wb.page.locator(".monaco-editor .view-lines", { hasText: "return a + b" }).first();
    await code.waitFor({ timeout: 20_000 });
    await code.click();
    await wb.page.keyboard.press("Control+A");
    await wb.page.keyboard.press("Control+Alt+Shift+A");
    const input = wb.quickInput();
    await input.waitFor({ timeout: 15_000 });
    await input.fill("What does add do?");
    await wb.page.keyboard.press("Enter");
    const answer = wb.page.locator(".monaco-editor .view-lines", { hasText: "What does add do?" }).first();
    await wb.until("the answer in the Markdown document", async () => (await answer.innerText().catch(() => "")).replace(/\s+/g, " ").includes(`fake reply from ${CHEAP}: it adds two numbers.`), 30_000);
    await wb.until("who answered and why", async () => /Answered by fake-local \(routed\): p ?\(strong\)=/.test((await answer.innerText()).replace(/\s+/g, " ")));
    await wb.screenshot("answer");
    const chat = wb.fakes.ollama.requests.slice(since).filter((r) => r.path === "/api/chat");
    assert.equal(chat.length, 1);
    assert.equal(chat[0]?.model, CHEAP, "a short question goes to the cheap model");
    assert.match(chat[0]?.prompt ?? "", /export function add/, "the selection was sent with the question");
    const toast = wb.notifications().filter({ hasText: "Was it helpful?" }).first();
    await toast.waitFor({ timeout: 15_000 });
    await toast.locator("a.monaco-button, .monaco-button", { hasText: "Helpful" }).first().click();
    await toast.waitFor({ state: "detached", timeout: 10_000 });
  },
  {
    settings: (fakes) => ({
      "chorus.models": [
        { id: "fake-local", provider: "ollama", endpoint: fakes.ollama.url, model: CHEAP, tags: ["local", "fast", "code"] },
        { id: "fake-strong", provider: "ollama", endpoint: fakes.ollama.url, model: STRONG, tags: ["local", "strong"] },
      ],
      "chorus.modes.ask": "route",
    }),
  },
);
