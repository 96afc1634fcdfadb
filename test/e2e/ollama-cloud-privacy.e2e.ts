// Privacy with an Ollama cloud model, in a real VS Code: the stand-in Ollama lists "qwen3-coder:480b-cloud" with a
// remote_host, as Ollama ≥ 0.12 lists a pulled cloud model it forwards to ollama.com (api/types.go, server/routes.go).
// The user configured it under provider "ollama". A file under secrets/ (default rule "**/secrets/**") must not
// reach it: Ask shows why nothing was sent, ghost text does not ask it, and the stand-in server sees no request.
import * as assert from "node:assert/strict";
import { uiTest, type Workbench } from "./harness";

const CLOUD = "qwen3-coder:480b-cloud";

const promptsToCloud = (wb: Workbench): number =>
  wb.fakes.ollama.requests.filter((r) => (r.path === "/api/chat" || r.path === "/api/generate") && r.model === CLOUD).length;

uiTest(
  "privacy: a file under a local-only rule never reaches an Ollama cloud model, and Ask says why",
  async (wb) => {
    await wb.until("the status bar to show Chorus", async () => (await wb.statusBarItem(/Chorus:/).innerText()).includes("Chorus:"), 60_000);
    const code = await wb.openFile("db.ts", "DATABASE_PASSWORD");
    await wb.askAboutSelection(code, "What is the password for?");
    const toast = wb.notifications().filter({ hasText: "Ask failed" }).first();
    await toast.waitFor({ timeout: 30_000 });
    const said = (await toast.innerText()).replace(/\s+/g, " ");
    await wb.screenshot("refused");
    assert.match(said, /Not sent to "cloud-coder": db\.ts matches the privacy rule "\*\*\/secrets\/\*\*"/, said);
    assert.match(said, /Configure a local model/, "the message says what to do");

    // Ghost text: type at the end of the file and ask for a suggestion the way a user does.
    await code.click();
    await wb.page.keyboard.press("Control+End");
    await wb.page.keyboard.press("Enter");
    await wb.page.keyboard.type("export const USER = ", { delay: 40 });
    await wb.runEditorCommand("Trigger Inline Suggestion");
    // The refusal is logged (and shown once as a warning) instead of a request going out.
    await wb.until(
      "the Chorus log to say why there is no ghost text",
      async () => wb.chorusLog().includes('completion failed: Not sent to "cloud-coder"'),
      30_000,
    );
    assert.equal(promptsToCloud(wb), 0, `no prompt reached ${CLOUD}`);
  },
  {
    settings: (fakes) => ({
      // Listed by hand with no tags at all: Chorus must not take "ollama" to mean "local".
      "chorus.models": [{ id: "cloud-coder", provider: "ollama", endpoint: fakes.ollama.url, model: CLOUD }],
      "chorus.modes.ask": "single",
      "chorus.modes.completion": "single",
    }),
  },
);
