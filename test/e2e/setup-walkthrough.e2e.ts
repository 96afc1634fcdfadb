// First-run setup as a user meets it: "Chorus: Get Started" opens the walkthrough; its API-key step's button runs
// "Chorus: Set API Key…", which offers the key name a configured model asks for and takes the key in a password box.
import * as assert from "node:assert/strict";
import { uiTest } from "./harness";

uiTest(
  "the Get Started walkthrough leads to storing an API key in a password box",
  async (wb) => {
    await wb.runCommand("Chorus: Get Started");
    const page = wb.page.locator(".gettingStartedContainer");
    await page.getByText("Get started with Chorus").first().waitFor({ timeout: 20_000 });
    for (const step of ["Use local models with Ollama", "Add an OpenAI-compatible endpoint", "Store its API key", "Choose how the models collaborate"]) {
      await page.getByText(step).first().waitFor();
    }
    await page.getByText("Store its API key").first().click();
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
    await wb.screenshot("saved");
  },
  {
    settings: (fakes) => ({
      "chorus.models": [
        { id: "fake-local", provider: "ollama", endpoint: fakes.ollama.url, model: "qwen2.5-coder:1.5b", tags: ["local", "fast"] },
        { id: "cloud-gpt", provider: "openai", endpoint: "http://127.0.0.1:9/v1", model: "gpt-4o-mini", tags: ["cloud", "strong"], apiKeySecret: "OPENAI_API_KEY" },
      ],
    }),
  },
);
