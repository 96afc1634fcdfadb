// The Chorus engine: configured models, collaboration modes and the ledger, assembled once from a config.
// The extension (src/vscode/engine-host.ts) and the CLI (src/cli) both build it here, so they behave the same.

import type { ChorusConfig } from "./config";
import { Ledger } from "./ledger";
import { ModeRegistry, type AskOutput, type CompletionInput, type CompletionOutput, type ModeServices } from "./modes";
import { Models, type ProviderFactory, type SecretLookup } from "./models";
import { registerReviewModes } from "./collab/text/modes";
import { registerSingleMode } from "./single-mode";
import { withRequestFiles } from "./privacy";

export interface EngineOptions {
  config: ChorusConfig;
  providerFactory: ProviderFactory;
  secrets: SecretLookup;
  /** Folder for the ledger (the extension's global storage, or the CLI's data dir). */
  ledgerDir: string;
  /** Extra mode registrations (features that live outside src/core add theirs here). */
  registerModes?: ((modes: ModeRegistry) => void)[];
  /** Told once per model about how it answers, when the user would want to know (the extension's log, stderr). */
  onNotice?: (message: string) => void;
}

/** Every built-in mode registration; features in src/core add theirs to this list. */
const CORE_MODE_REGISTRARS: ((modes: ModeRegistry) => void)[] = [registerSingleMode, registerReviewModes];

export class Engine {
  readonly ledger: Ledger;
  readonly models: Models;
  readonly modes = new ModeRegistry();
  private current: ChorusConfig;

  constructor(opts: EngineOptions) {
    this.current = opts.config;
    this.ledger = new Ledger(opts.ledgerDir);
    this.models = new Models(opts.config, opts.providerFactory, opts.secrets, this.ledger, opts.onNotice);
    for (const register of [...CORE_MODE_REGISTRARS, ...(opts.registerModes ?? [])]) register(this.modes);
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
  ask(question: string, opts: { code?: string; languageId?: string; filePath?: string; modeId?: string }, signal: AbortSignal, onText?: (t: string) => void): Promise<AskOutput> {
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
