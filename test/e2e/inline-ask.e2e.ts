// "Chorus: Ask About Selection…" in a real VS Code: select code, press the keybinding, type a question; the answer
// of the routed model streams into a read-only Markdown document beside the code, titled with the question, with
// who answered and why, and the rating notification takes a click. Its CodeLens asks a follow-up that carries the
// earlier turn; an empty answer is said; the answer tab closes without asking to be saved.
import * as assert from "node:assert/strict";
import { uiTest } from "./harness";

const CHEAP = "qwen2.5-coder:1.5b";
const STRONG = "llama3.2:1b";

uiTest(
  "ask: a question about the selection is routed, streamed into a Markdown document and can be rated",
  async (wb) => {
    wb.fakes.ollama.setReply((r) => `fake reply from ${r.model ?? "?"}: it adds two numbers.`);
    const since = wb.fakes.ollama.requests.length;
    await wb.askAboutSelection(await wb.openFile("hello.ts", "return a + b"), "What does add do?");
    const answer = wb.page.locator(".monaco-editor .view-lines", { hasText: "What does add do?" }).first();
    await wb.until(
      "the answer in the Markdown document",
      async () => (await answer.innerText().catch(() => "")).replace(/\s+/g, " ").includes(`fake reply from ${CHEAP}: it adds two numbers.`),
      30_000,
    );
    await wb.until("who answered and why", async () =>
      /Answered by fake-local \(routed\): p ?\(strong\)=/.test((await answer.innerText()).replace(/\s+/g, " ")),
    );
    await wb.screenshot("answer");
    const chat = wb.fakes.ollama.requests.slice(since).filter((r) => r.path === "/api/chat");
    assert.equal(chat.length, 1);
    assert.equal(chat[0]?.model, CHEAP, "a short question goes to the cheap model");
    assert.match(chat[0]?.prompt ?? "", /export function add/, "the selection was sent with the question");
    const toast = wb.notifications().filter({ hasText: "Was it helpful?" }).first();
    await toast.waitFor({ timeout: 15_000 });
    await toast.locator("a.monaco-button, .monaco-button", { hasText: "Helpful" }).first().click();
    await toast.waitFor({ state: "detached", timeout: 10_000 });

    // Titled with the question, read-only, never dirty (an Untitled document asked to be saved on close).
    const tab = wb.page.locator(".tabs-container .tab", { hasText: "What does add do?" }).first();
    await tab.waitFor({ timeout: 10_000 });
    assert.ok(!/\bdirty\b/.test((await tab.getAttribute("class")) ?? ""), "the answer tab is not dirty");

    // A follow-up from the CodeLens goes to the model with the earlier question and answer.
    const input = wb.quickInput();
    const followUps = wb.fakes.ollama.requests.length;
    await wb.page.locator(".codelens-decoration a", { hasText: "Ask a follow-up" }).first().click({ timeout: 15_000 });
    await input.waitFor({ timeout: 15_000 });
    await input.fill("And for strings?");
    await wb.page.keyboard.press("Enter");
    await wb.until("the follow-up's answer below the first", async () => (await answer.innerText()).replace(/\s+/g, " ").includes("And for strings?"), 30_000);
    await wb.until("the follow-up request", async () => wb.fakes.ollama.requests.slice(followUps).some((r) => r.path === "/api/chat"));
    const followUp = wb.fakes.ollama.requests.slice(followUps).find((r) => r.path === "/api/chat");
    assert.match(followUp?.prompt ?? "", /Q: What does add do\?\nA: fake reply from .*it adds two numbers\.[\s\S]*Follow-up question: And for strings\?/);
    await wb.notifications().filter({ hasText: "Was it helpful?" }).first().waitFor({ timeout: 15_000 });
    await wb.screenshot("follow-up");

    // An empty answer is said, not left as a blank document. The two rating toasts and the progress toast above
    // are cleared first: VS Code shows only a few toasts at once and keeps the rest in the notification centre.
    await wb.runCommand("Notifications: Clear All Notifications");
    wb.fakes.ollama.setReply(() => "");
    await wb.page.locator(".codelens-decoration a", { hasText: "Ask a follow-up" }).first().click();
    await input.waitFor({ timeout: 15_000 });
    await input.fill("Anything else?");
    await wb.page.keyboard.press("Enter");
    await wb.notifications().filter({ hasText: "answered nothing" }).first().waitFor({ timeout: 20_000 });
    await wb.until("the note in the document", async () => (await answer.innerText()).replace(/\s+/g, " ").includes("The model answered nothing."));
    await wb.screenshot("empty-answer");

    // Closing every editor asks nothing: there is nothing to save.
    await wb.runCommand("View: Close All Editors");
    await wb.until("the answer tab closed", async () => (await tab.count()) === 0);
    assert.equal(await wb.page.locator(".monaco-dialog-box").count(), 0, "no save dialog");
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
