// The Chorus engine: configured models, collaboration modes and the ledger, assembled once from a config and the
// things it depends on (constructor injection: no module-level state anywhere under src/core). The extension
// (src/vscode/engine-host.ts) and the CLI (src/cli/engine.ts) both build it here, so they behave the same.

import type { ApiCollab } from "./collab/api/api-collab";
import { registerApiModes } from "./collab/api/modes";
import { mixMode, presetModel } from "./collab/logit/mix-modes";
import { registerReviewModes } from "./collab/text/modes";
import type { ChorusConfig } from "./config";
import { Ledger } from "./ledger";
import { ModeRegistry, type AskOutput, type CompletionInput, type CompletionOutput, type ModeServices } from "./modes";
import { Models, type ProviderFactory, type SecretLookup } from "./models";
import { withRequestFiles } from "./privacy";
import type { SidecarConnection } from "./providers/sidecar";
import { listSidecarPresets, type SidecarListing } from "./providers/sidecar-presets";
import { registerSingleMode } from "./single-mode";

export interface EngineOptions {
  config: ChorusConfig;
  providerFactory: ProviderFactory;
  secrets: SecretLookup;
  /** Folder for the ledger (the extension's global storage, or the CLI's data dir). */
  ledgerDir: string;
  /** The routing state (router, cascade scorer, fallback chain) that "route", "cascade" and "fallback" use and
   *  feedback trains; without it those modes are not offered. */
  collab?: ApiCollab;
  /** Where the running sidecar listens; its mixing presets become `mix:<preset>` modes (learnSidecarPresets). */
  sidecar?: SidecarConnection;
  /** Told once per model about how it answers, when the user would want to know (the extension's log, stderr). */
  onNotice?: (message: string) => void;
}

export class Engine {
  readonly ledger: Ledger;
  readonly models: Models;
  readonly modes = new ModeRegistry();
  readonly collab: ApiCollab | undefined;
  private readonly sidecar: SidecarConnection;
  private current: ChorusConfig;

  constructor(opts: EngineOptions) {
    this.current = opts.config;
    this.ledger = new Ledger(opts.ledgerDir);
    this.models = new Models(opts.config, opts.providerFactory, opts.secrets, this.ledger, opts.onNotice);
    this.collab = opts.collab;
    this.sidecar = opts.sidecar ?? (() => undefined);
    registerSingleMode(this.modes);
    registerReviewModes(this.modes);
    if (opts.collab) registerApiModes(this.modes, opts.collab);
  }

  get config(): ChorusConfig {
    return this.current;
  }

  reconfigure(config: ChorusConfig): void {
    this.current = config;
    this.models.reconfigure(config);
  }

  private services(): ModeServices {
    return { models: this.models, config: this.current };
  }

  /**
   * Ask the running sidecar for its mixing presets; each new one becomes a model (local, free) and a `mix:<preset>`
   * mode. Returns what the sidecar listed and the ids of the modes added.
   */
  async learnSidecarPresets(signal?: AbortSignal): Promise<SidecarListing & { added: string[] }> {
    const listing = await listSidecarPresets(this.sidecar, signal);
    const added: string[] = [];
    for (const preset of listing.presets) {
      const mode = mixMode(preset);
      if (this.modes.get(mode.id)) continue;
      this.models.learn(presetModel(preset));
      this.modes.register(mode);
      added.push(mode.id);
    }
    return { ...listing, added };
  }

  /** Write the ledger's queued records; resolves once they are on disk. */
  dispose(): Promise<void> {
    return this.ledger.dispose();
  }

  /** Inline completion through the mode chosen for completions (or `modeId`). */
  complete(input: CompletionInput, signal: AbortSignal, modeId?: string): Promise<CompletionOutput> {
    const mode = this.modes.resolve("completion", modeId ?? this.current.modes.completion);
    if (!mode.completion) throw new Error(`The mode "${mode.id}" cannot complete code.`);
    // The privacy rules see the file even if a strategy forgets to name it in its calls (privacy.ts).
    return withRequestFiles([input.filePath], () => mode.completion!(this.services()).complete(input, signal));
  }

  /** A question answered through the mode chosen for Ask (or `modeId`); text streams to `onText`. */
  ask(
    question: string,
    opts: { code?: string; languageId?: string; filePath?: string; modeId?: string },
    signal: AbortSignal,
    onText?: (t: string) => void,
  ): Promise<AskOutput> {
    const mode = this.modes.resolve("ask", opts.modeId ?? this.current.modes.ask);
    if (!mode.ask) throw new Error(`The mode "${mode.id}" cannot answer questions.`);
    return withRequestFiles([opts.filePath], () =>
      mode.ask!(this.services()).ask({ question, code: opts.code, languageId: opts.languageId, filePath: opts.filePath }, signal, onText),
    );
  }
}

export function createEngine(opts: EngineOptions): Engine {
  return new Engine(opts);
}
