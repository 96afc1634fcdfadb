// The sidecar as part of the editor: started with VS Code (process.execPath running dist/sidecar.mjs as plain
// Node), its address and per-launch token handed to the engine's sidecar provider, its state in the status bar,
// restarted after a crash and when its settings change, stopped with VS Code. A sidecar already announced through
// CHORUS_SIDECAR_URL/TOKEN (`npm start`, `chorus serve`) is used instead of spawning a second one. Each time it
// runs, the engine learns its mixing presets as `mix:<preset>` modes (Engine.learnSidecarPresets).

import { join } from "node:path";
import * as vscode from "vscode";
import type { ChorusServices } from "./services";
import { markStepDone, noteSidecarPresets } from "./walkthrough";
import { settingsSource } from "./settings";
import { sidecarLaunchSettings } from "./sidecar-settings";
import { SidecarSupervisor, type SidecarState } from "./sidecar-supervisor";
import { threadPoolSize } from "../sidecar/thread-pool";

export const SIDECAR_STATUS_ID = "chorus.sidecar";

function externalSidecar(): { url: string; token: string } | undefined {
  const url = process.env.CHORUS_SIDECAR_URL;
  const token = process.env.CHORUS_SIDECAR_TOKEN;
  return url && token ? { url: url.replace(/\/+$/, "").replace(/\/v1$/, ""), token } : undefined;
}

export function registerSidecar(services: ChorusServices): void {
  const { context } = services;
  const log = services.log.child("sidecar");
  const read = () =>
    sidecarLaunchSettings(settingsSource(vscode.workspace.getConfiguration()), {
      globalStorage: context.globalStorageUri.fsPath,
      extensionRoot: context.extensionUri.fsPath,
    });
  const launchConfig = () => {
    const settings = read();
    for (const p of settings.problems) log.warn(p);
    return settings.config;
  };
  const external = externalSidecar();
  const supervisor = new SidecarSupervisor({
    command: process.execPath,
    args: [join(context.extensionUri.fsPath, "dist", "sidecar.mjs")],
    // The extension host may be Electron: ELECTRON_RUN_AS_NODE makes its binary a plain Node.
    // A packaged Chorus carries no native llama.cpp: the sidecar also looks in this runtime folder for it.
    env: () => ({
      ELECTRON_RUN_AS_NODE: "1",
      CHORUS_SIDECAR_CONFIG: JSON.stringify(launchConfig()),
      CHORUS_NODE_LLAMA_CPP_DIR: join(context.globalStorageUri.fsPath, "runtime"),
      // Sized here: the sidecar, an ES module, cannot size the pool its loader has already started.
      UV_THREADPOOL_SIZE: threadPoolSize(),
    }),
    log: (line) => log.info(line),
  });
  const connection = () => external ?? supervisor.endpoint();
  services.engineHost.setSidecarEndpoint(connection);

  const item = vscode.window.createStatusBarItem(SIDECAR_STATUS_ID, vscode.StatusBarAlignment.Right, 99);
  item.name = "Chorus Sidecar";
  item.command = "chorus.sidecar.actions";
  let lastModels: string[] = [];
  let compute: string | undefined;
  let computeRetries = 0;
  const render = (s: SidecarState) => renderStatus(item, external ? { kind: "running", url: external.url, pid: 0 } : s, !!external, lastModels, compute);

  let shownProblems = "";
  const learnModels = async () => {
    try {
      const listed = await services.engine.learnSidecarPresets();
      const { presets, problems, added } = listed;
      compute = listed.compute;
      // llama.cpp's runtime loads in the background after the sidecar starts: ask again shortly for the backend.
      if (compute === "starting" && computeRetries++ < COMPUTE_RETRIES) setTimeout(() => void learnModels(), COMPUTE_RETRY_MS);
      // Tell the user once per distinct set of problems (a preset that does not validate, a missing folder).
      const text = problems.join("\n");
      if (text && text !== shownProblems) {
        for (const p of problems) log.warn(p);
        void vscode.window
          .showWarningMessage(
            `Chorus sidecar: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more; see the log)` : ""}`,
            "Open Settings",
            "Show Log",
          )
          .then((pick) => {
            if (pick === "Open Settings") void vscode.commands.executeCommand("workbench.action.openSettings", "chorus.sidecar");
            if (pick === "Show Log") void vscode.commands.executeCommand("chorus.showLog");
          });
      }
      shownProblems = text;
      lastModels = presets.map((m) => m.id);
      noteSidecarPresets(lastModels);
      if (added.length) log.info(`mixing modes: ${added.join(", ")}`);
      render(supervisor.state);
    } catch (e) {
      log.warn(`could not list the sidecar's presets: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  let failureShown = false;
  context.subscriptions.push(
    item,
    supervisor.onState((s) => {
      render(s);
      if (s.kind === "running") {
        failureShown = false;
        void learnModels();
      }
      if (s.kind === "failed" && !failureShown) {
        failureShown = true;
        void vscode.window
          .showErrorMessage(
            `Chorus: the local sidecar keeps stopping (${s.reason}). Local GGUF models and mixing presets are unavailable.`,
            "Restart",
            "Show Log",
          )
          .then((pick) => {
            if (pick === "Restart") void supervisor.restart();
            if (pick === "Show Log") void vscode.commands.executeCommand("chorus.showLog");
          });
      }
    }),
    vscode.commands.registerCommand("chorus.sidecar.restart", async () => {
      if (external)
        return void vscode.window.showInformationMessage(`Chorus uses the sidecar at ${external.url} (CHORUS_SIDECAR_URL); restart it where it was started.`);
      await supervisor.restart();
    }),
    vscode.commands.registerCommand("chorus.sidecar.stop", () => {
      if (external)
        return void vscode.window.showInformationMessage(`Chorus uses the sidecar at ${external.url} (CHORUS_SIDECAR_URL); stop it where it was started.`);
      return supervisor.stop();
    }),
    vscode.commands.registerCommand("chorus.sidecar.showModels", () => showModels(connection)),
    // Internal (not in the palette): the state for tests and other features. Never the token.
    vscode.commands.registerCommand("chorus.sidecar.state", () => (external ? { kind: "running", url: external.url, external: true } : supervisor.state)),
    vscode.commands.registerCommand("chorus.sidecar.actions", async () => {
      const running = connection() !== undefined;
      const pick = await vscode.window.showQuickPick(
        [
          { label: "$(server-process) Show Sidecar Models", command: "chorus.sidecar.showModels", enabled: running },
          { label: "$(debug-restart) Restart Sidecar", command: "chorus.sidecar.restart", enabled: !external },
          { label: "$(debug-stop) Stop Sidecar", command: "chorus.sidecar.stop", enabled: running && !external },
          { label: "$(output) Show Log", command: "chorus.showLog", enabled: true },
          { label: "$(settings-gear) Sidecar Settings", command: "workbench.action.openSettings", arg: "chorus.sidecar", enabled: true },
        ].filter((x) => x.enabled),
        { placeHolder: "Chorus sidecar" },
      );
      if (pick) await vscode.commands.executeCommand(pick.command, ...("arg" in pick ? [pick.arg] : []));
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (external || !e.affectsConfiguration("chorus.sidecar")) return;
      if (read().enabled) void supervisor.restart();
      else void supervisor.stop();
    }),
    // Stop with VS Code. (Should the extension host die without disposing, the sidecar sees its stdin close.)
    { dispose: () => void supervisor.stop() },
  );

  render(supervisor.state);
  item.show();
  if (external) {
    log.info(`using the sidecar at ${external.url} from CHORUS_SIDECAR_URL`);
    void learnModels();
  } else if (read().enabled) supervisor.start();
}

/** How long after a "starting" answer the status bar asks the sidecar again where llama.cpp computes. */
const COMPUTE_RETRY_MS = 3000;
const COMPUTE_RETRIES = 10;

/** The tooltip's line on where models run. */
function computeLine(compute: string | undefined): string | undefined {
  if (compute === undefined || compute === "starting") return undefined;
  if (compute === "cpu") return "Models run on the CPU (no GPU found, or `chorus.sidecar.gpu` is off).";
  if (compute.startsWith("unavailable")) return `llama.cpp is ${compute}.`;
  return `Models run on the GPU (${compute}).`;
}

function renderStatus(item: vscode.StatusBarItem, s: SidecarState, external: boolean, models: string[], compute?: string): void {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown("**Chorus sidecar** — local GGUF models and logit mixing\n\n");
  item.backgroundColor = undefined;
  switch (s.kind) {
    case "running":
      item.text = "$(server-process) Sidecar";
      md.appendMarkdown(`Running at ${s.url}${external ? " (started outside VS Code)" : ""}.\n\n`);
      if (models.length) md.appendMarkdown(`Mixing presets: ${models.map((m) => `\`${m}\``).join(", ")}\n\n`);
      if (computeLine(compute)) md.appendMarkdown(`${computeLine(compute)}\n\n`);
      break;
    case "starting":
      item.text = "$(sync~spin) Sidecar";
      md.appendMarkdown(s.attempt > 1 ? `Starting (attempt ${s.attempt})…\n\n` : "Starting…\n\n");
      break;
    case "restarting":
      item.text = "$(sync~spin) Sidecar";
      item.backgroundColor = new vscode.ThemeColor("statusBarItem.warningBackground");
      md.appendMarkdown(`It stopped: ${s.reason}. Restarting in ${Math.round(s.inMs / 1000)} s.\n\n`);
      break;
    case "failed":
      item.text = "$(error) Sidecar";
      item.backgroundColor = new vscode.ThemeColor("statusBarItem.errorBackground");
      md.appendMarkdown(`Stopped after repeated crashes: ${s.reason}. Click to restart or see the log.\n\n`);
      break;
    case "stopped":
      item.text = "$(circle-slash) Sidecar";
      md.appendMarkdown("Stopped. Click to start it (or enable `chorus.sidecar.enabled`).\n\n");
      break;
  }
  md.appendMarkdown("Click for sidecar actions.");
  item.tooltip = md;
  item.accessibilityInformation = { label: `Chorus sidecar: ${s.kind}` };
}

async function showModels(connection: () => { url: string; token: string } | undefined): Promise<void> {
  const c = connection();
  if (!c) return void vscode.window.showWarningMessage("Chorus: the sidecar is not running. Run 'Chorus: Restart Sidecar'.");
  const r = await fetch(`${c.url}/v1/models`, { headers: { authorization: `Bearer ${c.token}` } });
  const body = (await r.json()) as {
    data: { id: string; chorus?: { kind?: string; description?: string; source?: string; loaded?: boolean; unusable?: string } }[];
    chorus?: { problems?: string[] };
  };
  const items: vscode.QuickPickItem[] = body.data.map((m) => ({
    label: m.id,
    description:
      m.chorus?.kind === "virtual"
        ? "mixing preset"
        : `${m.chorus?.source ?? "model"}${m.chorus?.loaded ? " · loaded" : ""}${m.chorus?.unusable ? " · cannot be used" : ""}`,
    // A file llama.cpp could not load says why (one line, from the sidecar's throwaway test load).
    detail: m.chorus?.unusable ?? m.chorus?.description,
  }));
  for (const p of body.chorus?.problems ?? []) items.push({ label: "$(warning) problem", detail: p });
  const pick = await vscode.window.showQuickPick(items, { placeHolder: `Models the sidecar at ${c.url} serves — pick one to copy its name` });
  if (!pick || pick.label.startsWith("$(")) return;
  markStepDone("sidecar");
  await vscode.env.clipboard.writeText(pick.label);
  void vscode.window.showInformationMessage(`Chorus: copied "${pick.label}". Use it as "model" in a chorus.models entry with "provider": "sidecar".`);
}
