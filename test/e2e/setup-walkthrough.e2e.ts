// First-run setup as a user meets it: the walkthrough opens by itself on the first start (VS Code's
// workbench.welcomePage.walkthroughs.openOnInstall, which the other UI tests turn off, is on here); a step is ticked
// only when its action worked — "Find Ollama Models" that found nothing stays open; the API-key step's button runs
// "Chorus: Set API Key…", which offers the key name a configured model asks for and takes the key in a password box,
// and only the saved key ticks the step.
import * as assert from "node:assert/strict";
import { uiTest, type Workbench } from "./harness";

/** The checkbox VS Code draws beside a walkthrough step (aria-checked "true" once its completion event fired). */
function stepChecked(wb: Workbench, stepId: string): Promise<string | null> {
  return wb.page.locator(`[data-done-step-id$="#${stepId}"]`).first().getAttribute("aria-checked");
}

uiTest(
  "the Get Started walkthrough leads to storing an API key in a password box",
  async (wb) => {
    // No command: the first start opens it.
    const page = wb.page.locator(".gettingStartedContainer");
    await page.getByText("Get started with Chorus").first().waitFor({ timeout: 30_000 });
    for (const step of ["Local models: Ollama", "Add an endpoint", "Store an API key", "Choose modes", "Review by debate", "Merge models"]) {
      await page.getByText(step, { exact: true }).first().waitFor();
    }
    // chorus.models is set, so looking for Ollama models finds none to use: the step must stay open.
    await page.getByText("Local models: Ollama", { exact: true }).first().click();
    await page.getByRole("button", { name: "Find Ollama Models" }).click();
    await wb.notifications().filter({ hasText: "Ollama discovery only runs while that setting is empty" }).first().waitFor({ timeout: 10_000 });
    assert.equal(await stepChecked(wb, "ollama"), "false", "Find Ollama Models found nothing, so its step is not done");

    await page.getByText("Store an API key", { exact: true }).first().click();
    await page.getByRole("button", { name: "Set API Key…" }).click();
    await wb.screenshot("walkthrough");

    const row = wb.quickPickRows().filter({ hasText: "OPENAI_API_KEY" }).first();
    await row.waitFor({ timeout: 10_000 });
    assert.match(await row.innerText(), /used by cloud-gpt/);
    await row.click();

    const input = wb.quickInput();
    await wb.until("the password box", async () => (await input.getAttribute("type")) === "password");
    await input.fill("sk-test-walkthrough");
    await wb.page.keyboard.press("Enter");
    await wb.notifications().filter({ hasText: 'API key "OPENAI_API_KEY" saved' }).first().waitFor({ timeout: 10_000 });
    await wb.until("the API-key step ticked", async () => (await stepChecked(wb, "apiKey")) === "true");
    assert.equal(await stepChecked(wb, "ollama"), "false");
    await wb.screenshot("saved");
  },
  {
    // The other UI tests turn VS Code's machine-scoped openOnInstall off (scripts/vscode-test-setup.mjs); on here.
    userDataFiles: { "Machine/settings.json": JSON.stringify({ "workbench.welcomePage.walkthroughs.openOnInstall": true }) },
    settings: (fakes) => ({
      "chorus.models": [
        { id: "fake-local", provider: "ollama", endpoint: fakes.ollama.url, model: "qwen2.5-coder:1.5b", tags: ["local", "fast"] },
        {
          id: "cloud-gpt",
          provider: "openai",
          endpoint: "http://127.0.0.1:9/v1",
          model: "gpt-4o-mini",
          tags: ["cloud", "strong"],
          apiKeySecret: "OPENAI_API_KEY",
        },
      ],
    }),
  },
);
