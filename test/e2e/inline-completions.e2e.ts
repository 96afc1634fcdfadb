// Inline completions in a real VS Code through the route, cascade and fallback modes: type in a file, see ghost
// text whose words name the model that wrote it (the stand-in Ollama server replies "fake reply from <model>"),
// accept it with Tab, and find it in the document. In route mode, with the "Chorus" log set to Debug from the
// palette, the log names the model that wrote the ghost text.
import * as assert from "node:assert/strict";
import type { FakeReply, RecordedRequest } from "../fixtures/fake-ollama";
import { typeAndAccept, typeAtEndOfHello, waitForMode } from "./ghost-text";
import { uiTest, type Fakes, type Workbench } from "./harness";

const CHEAP = "qwen2.5-coder:1.5b";
const STRONG = "llama3.2:1b";

const models = (fakes: Fakes): unknown[] => [
  { id: "fake-local", provider: "ollama", endpoint: fakes.ollama.url, model: CHEAP, tags: ["local", "fast", "code"] },
  { id: "fake-strong", provider: "ollama", endpoint: fakes.ollama.url, model: STRONG, tags: ["local", "strong"] },
  // Nothing listens on port 47 (and fetch does not block it, as it blocks 9): configured but unreachable.
  { id: "fake-down", provider: "ollama", endpoint: "http://127.0.0.1:47", model: "gone:1b", tags: ["local"] },
];

const fimRequests = (wb: Workbench, since: number): RecordedRequest[] => wb.fakes.ollama.requests.slice(since).filter((r) => r.path === "/api/generate");

/** Set the "Chorus" output channel's log level the way a user does: Developer: Set Log Level… → Chorus → level. */
async function setChorusLogLevel(wb: Workbench, level: string): Promise<void> {
  await wb.runCommand("Developer: Set Log Level...");
  await wb.pick("Chorus");
  await wb.pick(level);
}

uiTest(
  "inline completions: route mode shows ghost text from the routed (cheap) model and Tab accepts it",
  async (wb) => {
    wb.fakes.ollama.setReply((r) => `fake reply from ${r.model ?? "?"}`);
    const since = wb.fakes.ollama.requests.length;
    // With the log at Debug, Chorus: Show Log answers "which model wrote this ghost text, and why?".
    await waitForMode(wb, "route");
    await setChorusLogLevel(wb, "Debug");
    await typeAndAccept(wb, CHEAP, "route");
    assert.ok(
      fimRequests(wb, since).every((r) => r.model === CHEAP),
      "a short single-line completion is routed to the cheap model only",
    );
    await wb.until("the Chorus log to name the model that wrote the ghost text", async () =>
      wb.chorusLog().includes(`[debug] [chorus/completion] ghost text from fake-local`),
    );
  },
  { settings: (fakes) => ({ "chorus.models": models(fakes), "chorus.modes.completion": "route" }) },
);

uiTest(
  "inline completions: cascade mode escalates an unsure cheap answer and shows the strong model's ghost text",
  async (wb) => {
    // The cheap model answers with low token probabilities; the strong one is sure.
    wb.fakes.ollama.setReply((r): FakeReply | string =>
      r.model === CHEAP ? { tokens: ["maybe ", "this"].map((token) => ({ token, logprob: -2.5 })) } : `fake reply from ${r.model ?? "?"}`,
    );
    const since = wb.fakes.ollama.requests.length;
    await typeAndAccept(wb, STRONG, "cascade");
    const models = fimRequests(wb, since).map((r) => r.model);
    assert.ok(models.includes(CHEAP) && models.includes(STRONG), `the cheap model answered first, then the strong one (${models.join(", ")})`);
    assert.equal(fimRequests(wb, since).find((r) => r.model === CHEAP)?.body?.logprobs, true, "the cascade asked for logprobs");
  },
  {
    // The latency budget (unit-tested in modes.test.ts) would keep the cheap answer whenever a loaded machine makes
    // the cheap call slow; this test is about escalation, so the budget is out of its way.
    settings: (fakes) => ({
      "chorus.models": models(fakes),
      "chorus.modes.completion": "cascade",
      "chorus.routing.cascadeRulesCompletion": ["logprob"],
      "chorus.completion.latencyBudgetMs": 60_000,
    }),
  },
);

uiTest(
  "inline completions: fallback mode skips an unreachable model and shows the next model's ghost text",
  async (wb) => {
    wb.fakes.ollama.setReply((r) => `fake reply from ${r.model ?? "?"}`);
    await typeAndAccept(wb, STRONG, "fallback");
  },
  {
    settings: (fakes) => ({
      "chorus.models": models(fakes),
      "chorus.modes.completion": "fallback",
      "chorus.routing.fallbackChain": ["fake-down", "fake-strong", "fake-local"],
    }),
  },
);

uiTest(
  "inline completions: a model that answers nothing is said once in the log at the default Info level",
  async (wb) => {
    // Before: the reason was written only at Debug level, so the default log said nothing about missing ghost text.
    wb.fakes.ollama.setReply(() => "");
    await waitForMode(wb, "single");
    await typeAtEndOfHello(wb, "export const total = ");
    const said = /\[info\] \[chorus\/completion\] no ghost text: fake-local answered nothing to show.*Choose Collaboration Mode/g;
    let lastTrigger = Date.now();
    await wb.until(
      "the Info line saying the model answered nothing",
      async () => {
        if (said.test(wb.chorusLog())) return true;
        if (Date.now() - lastTrigger > 10_000) {
          lastTrigger = Date.now();
          await wb.runEditorCommand("Trigger Inline Suggestion");
        }
        return false;
      },
      45_000,
    );
    // More empty answers are not repeated at Info level.
    const asked = wb.fakes.ollama.requests.length;
    await wb.page.keyboard.type("items", { delay: 40 });
    // Re-ask through the palette at most every 10 s (as above): a palette opened on every poll keeps the editor
    // from ever holding focus long enough for VS Code's own request.
    lastTrigger = Date.now();
    await wb.until(
      "another request",
      async () => {
        if (wb.fakes.ollama.requests.length > asked) return true;
        if (Date.now() - lastTrigger > 10_000) {
          lastTrigger = Date.now();
          await wb.runEditorCommand("Trigger Inline Suggestion");
        }
        return false;
      },
      45_000,
    );
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(wb.chorusLog().match(said)?.length, 1, "said once");
  },
  { settings: (fakes) => ({ "chorus.models": models(fakes).slice(0, 1), "chorus.modes.completion": "single" }) },
);
