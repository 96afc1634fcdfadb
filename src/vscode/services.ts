// What every feature of the extension gets: built once in activate() and handed to each `registerX(services)`.
// A feature registers its commands/providers and pushes its disposables onto `context.subscriptions`.
import type * as vscode from "vscode";
import type { Engine } from "../core/engine";
import type { Ledger } from "../core/ledger";
import type { ModeRegistry } from "../core/modes";
import type { EngineHost } from "./engine-host";
import type { Log } from "./log";
import type { ModeChoices } from "./mode-choice";

export interface ChorusServices {
  context: vscode.ExtensionContext;
  /** The Chorus log channel; take `log.child("your-feature")` for your component's lines. */
  log: Log;
  /** Rebuilds config on settings/secret changes; `engineHost.onDidChange` fires after each. */
  engineHost: EngineHost;
  /** The engine (models, modes, ledger). Its config changes in place; read `engine.config` when you need it. */
  engine: Engine;
  /** Every model call; `ledger.onRecord` for live updates. */
  ledger: Ledger;
  /** Register your collaboration modes here (`modes.register({...})`) inside your registerX. */
  modes: ModeRegistry;
  /** The per-workspace mode choice per surface. */
  modeChoices: ModeChoices;
}

/** A feature's entry point, called once from activate(). */
export type FeatureRegistration = (services: ChorusServices) => void | Promise<void>;
