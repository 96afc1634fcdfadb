// Shared by the extension-host suites: the activated extension's API and small waits.
import * as vscode from "vscode";
import type { ChorusApi } from "../../src/vscode/extension";

export const EXTENSION_ID = "chorus-dev.chorus";

export async function chorus(): Promise<ChorusApi> {
  const ext = vscode.extensions.getExtension<ChorusApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded in this extension host`);
  return ext.activate();
}

export function manifest(): { contributes: Record<string, unknown> } & Record<string, unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded`);
  return ext.packageJSON as { contributes: Record<string, unknown> } & Record<string, unknown>;
}

/** Resolve when `event` fires and `predicate` holds, or fail after `ms`. */
export function nextEvent<T>(event: vscode.Event<T>, predicate: (v: T) => boolean = () => true, ms = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`event did not fire within ${ms} ms`));
    }, ms);
    const sub = event((v) => {
      if (!predicate(v)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(v);
    });
  });
}

/** Poll until `check` holds (the workbench updates some models, e.g. tabs, a moment after a command returns). */
export async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
