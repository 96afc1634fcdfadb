// "Chorus: Set API Key…" / "Chorus: Clear API Key…": API keys go into VS Code's SecretStorage (the OS keychain
// on desktop) under the name a model's `apiKeySecret` gives — never into settings, logs or the ledger.
import * as vscode from "vscode";
import type { ChorusServices } from "./services";
import { markStepDone } from "./walkthrough";

export const SET_API_KEY_COMMAND = "chorus.setApiKey";
export const CLEAR_API_KEY_COMMAND = "chorus.clearApiKey";
const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

export function registerSecrets(services: ChorusServices): void {
  const { context, log } = services;
  context.subscriptions.push(
    // Optional arguments (name, value) let tests and other commands set a key without prompts.
    vscode.commands.registerCommand(SET_API_KEY_COMMAND, async (nameArg?: unknown, valueArg?: unknown) => {
      const name = typeof nameArg === "string" ? nameArg : await pickSecretName(services, "Which API key do you want to set?");
      if (!name) return;
      if (!NAME.test(name)) return void vscode.window.showErrorMessage(`Chorus: "${name}" is not a valid key name; use letters, digits, "_", "-" or ".".`);
      const value =
        typeof valueArg === "string"
          ? valueArg
          : await vscode.window.showInputBox({
              title: `Chorus: API key "${name}"`,
              prompt: `Paste the API key. It is stored in VS Code's secret storage, never in settings.`,
              password: true,
              ignoreFocusOut: true,
              validateInput: (v) => (v.trim() === "" ? "The key is empty." : /\s/.test(v.trim()) ? "An API key has no spaces." : undefined),
            });
      if (value === undefined) return;
      await context.secrets.store(name, value.trim());
      markStepDone("apiKey");
      log.info(`API key "${name}" stored in secret storage`);
      if (typeof valueArg !== "string") void vscode.window.showInformationMessage(`Chorus: API key "${name}" saved.`);
    }),
    vscode.commands.registerCommand(CLEAR_API_KEY_COMMAND, async (nameArg?: unknown) => {
      const name = typeof nameArg === "string" ? nameArg : await pickSecretName(services, "Which API key do you want to remove?");
      if (!name) return;
      // Secret storage cannot list its keys, so a mistyped name is caught by asking for it first.
      const stored = (await context.secrets.get(name)) !== undefined;
      await context.secrets.delete(name);
      if (stored) log.info(`API key "${name}" removed from secret storage`);
      if (typeof nameArg !== "string")
        void vscode.window.showInformationMessage(
          stored ? `Chorus: API key "${name}" removed.` : `Chorus: no API key named "${name}" was stored; nothing was removed.`,
        );
    }),
  );
}

/** The key names the configured models ask for, plus a way to type another. */
async function pickSecretName(services: ChorusServices, title: string): Promise<string | undefined> {
  const byName = new Map<string, string[]>();
  for (const m of services.engineHost.config.models) {
    if (m.apiKeySecret) byName.set(m.apiKeySecret, [...(byName.get(m.apiKeySecret) ?? []), m.id]);
  }
  const other = "$(add) Another key name…";
  const items: vscode.QuickPickItem[] = [...byName].map(([name, ids]) => ({ label: name, description: `used by ${ids.join(", ")}` }));
  items.push({ label: other, detail: 'Give the same name as "apiKeySecret" in a chorus.models entry.' });
  const pick = items.length === 1 ? items[0] : await vscode.window.showQuickPick(items, { title: `Chorus: ${title}`, ignoreFocusOut: true });
  if (!pick) return undefined;
  if (pick.label !== other) return pick.label;
  return vscode.window.showInputBox({
    title: "Chorus: API key name",
    prompt: 'The name a model refers to in its "apiKeySecret" field',
    placeHolder: "OPENAI_API_KEY",
    validateInput: (v) => (NAME.test(v) ? undefined : 'Use letters, digits, "_", "-" or "."'),
  });
}
