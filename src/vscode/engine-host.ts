// Owns the one Engine of this window: built from settings + SecretStorage at activation, reconfigured (not
// rebuilt, so ledger listeners and registered modes survive) whenever a `chorus.*` setting, an API key or the
// per-workspace mode choice changes. With no models configured it offers the models of a running Ollama.
import { join } from "node:path";
import * as vscode from "vscode";
import { ApiCollab } from "../core/collab/api/api-collab";
import type { ChorusConfig, ModelConfig } from "../core/config";
import { discoverOllamaModels, markOllamaCloudModels } from "../core/discovery";
import { createEngine, type Engine } from "../core/engine";
import type { ModeSurface } from "../core/modes";
import { createProvider } from "../core/providers/factory";
import type { Log } from "./log";
import { readRoutingSettings } from "./routing-settings";
import { readConfig, settingsSource, type SettingsProblem } from "./settings";

/** Where the running sidecar listens; set by the sidecar process manager, undefined while none runs. */
export type SidecarEndpoint = () => { url: string; token: string } | undefined;

/** Where the models in use came from, for the status bar and the walkthrough. */
export type ModelSource = { kind: "settings" } | { kind: "ollama"; url: string } | { kind: "none"; ollamaUrl: string; ollamaChecked: boolean };

export class EngineHost implements vscode.Disposable {
  readonly engine: Engine;
  private source: ModelSource = { kind: "none", ollamaUrl: "", ollamaChecked: false };
  /** Until the sidecar process manager takes over: a sidecar someone already runs (`npm start`, `chorus serve`)
   *  announced through the same variables the CLI reads. */
  private sidecar: SidecarEndpoint = sidecarFromEnv;
  private readonly changed = new vscode.EventEmitter<ChorusConfig>();
  /** Fires after every reconfiguration with the new config. */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private refreshing: Promise<void> = Promise.resolve();
  /** The config as settings + discovery made it, before per-workspace mode choices are laid over it. */
  private base: ChorusConfig;
  private lastProblems = "";

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: Log,
    /** Per-workspace mode choices (mode-picker.ts) override the chorus.modes.* settings. */
    private readonly modeOverrides: () => Partial<Record<ModeSurface, string>>,
  ) {
    const { config } = readConfig(settingsSource(vscode.workspace.getConfiguration()));
    this.base = config;
    // The routing state of this window: inline completions, Ask ratings and reviews all teach this one router.
    const routing = readRoutingSettings(vscode.workspace.getConfiguration());
    const collab = new ApiCollab(join(context.globalStorageUri.fsPath, "routing"), routing.collab, (m) => this.log.warn(m));
    this.engine = createEngine({
      config: this.withOverrides(config),
      providerFactory: (m, key) => createProvider(m, key, { ollamaUrl: this.engine.config.ollamaUrl, sidecar: () => this.sidecar() }),
      secrets: async (name) => this.context.secrets.get(name),
      ledgerDir: vscode.Uri.joinPath(context.globalStorageUri, "ledger").fsPath,
      collab,
      sidecar: () => this.sidecar(),
      onNotice: (m) => this.log.info(m),
    });
    this.log.info(`ledger at ${vscode.Uri.joinPath(context.globalStorageUri, "ledger").fsPath}`);
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration("chorus")) void this.refresh("settings changed");
      }),
      // Providers cache their API key: rebuild them when a key is set or cleared.
      context.secrets.onDidChange(() => void this.refresh("an API key changed")),
    );
  }

  get config(): ChorusConfig {
    return this.engine.config;
  }

  get modelSource(): ModelSource {
    return this.source;
  }

  /** Where the sidecar listens now (and its token); undefined while none runs. */
  sidecarEndpoint(): { url: string; token: string } | undefined {
    return this.sidecar();
  }

  /** The sidecar process manager calls this once it knows where the sidecar listens. */
  setSidecarEndpoint(endpoint: SidecarEndpoint): void {
    this.sidecar = endpoint;
    void this.refresh("the sidecar moved");
  }

  /** Re-read settings, secrets and mode choices; rediscover Ollama when no model is configured. Serialized. */
  refresh(why: string): Promise<void> {
    this.refreshing = this.refreshing.then(() => this.doRefresh(why)).catch((e: unknown) => this.log.error(e instanceof Error ? e : String(e)));
    return this.refreshing;
  }

  private async doRefresh(why: string): Promise<void> {
    const { config, discoverOllama: discover, problems } = readConfig(settingsSource(vscode.workspace.getConfiguration()));
    this.reportProblems(problems);
    if (config.models.length > 0) {
      this.source = { kind: "settings" };
      config.models = await markOllamaCloudModels(config.models, config.ollamaUrl);
    } else if (discover) {
      const found: ModelConfig[] = await discoverOllamaModels(config.ollamaUrl);
      config.models = found;
      this.source = found.length > 0 ? { kind: "ollama", url: config.ollamaUrl } : { kind: "none", ollamaUrl: config.ollamaUrl, ollamaChecked: true };
      if (found.length > 0) this.log.info(`no models configured: using ${found.length} model(s) from Ollama at ${config.ollamaUrl}`);
      else this.log.warn(`no models configured and no Ollama answered at ${config.ollamaUrl}`);
    } else {
      this.source = { kind: "none", ollamaUrl: config.ollamaUrl, ollamaChecked: false };
    }
    this.base = config;
    this.engine.reconfigure(this.withOverrides(config));
    this.log.debug(`engine reconfigured (${why}): ${config.models.map((m) => m.id).join(", ") || "no models"}`);
    this.changed.fire(this.engine.config);
  }

  /** A mode was chosen: lay the choices over the current config without re-reading settings or Ollama. */
  applyModeChoices(): void {
    this.engine.reconfigure(this.withOverrides(this.base));
    this.changed.fire(this.engine.config);
  }

  private withOverrides(config: ChorusConfig): ChorusConfig {
    return { ...config, modes: { ...config.modes, ...this.modeOverrides() } };
  }

  private reportProblems(problems: SettingsProblem[]): void {
    const text = problems.map((p) => p.message).join("\n");
    // Tell the user once per distinct problem, not on every refresh.
    if (text === this.lastProblems) return;
    this.lastProblems = text;
    for (const p of problems) {
      this.log.warn(p.message);
      void vscode.window.showErrorMessage(`Chorus: ${p.message}. The default is used until it is fixed.`, "Open Settings").then((pick) => {
        if (pick) void vscode.commands.executeCommand("workbench.action.openSettings", p.key);
      });
    }
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    // The ledger writes in batches; the rest of what is queued is written at process exit if this is cut short.
    void this.engine.dispose();
  }
}

function sidecarFromEnv(): { url: string; token: string } | undefined {
  const url = process.env.CHORUS_SIDECAR_URL;
  const token = process.env.CHORUS_SIDECAR_TOKEN;
  return url && token ? { url, token } : undefined;
}
