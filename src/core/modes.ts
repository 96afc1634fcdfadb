// Collaboration modes: for each surface (inline completion, Ask, review) the strategies a user can choose.
// The foundation registers "single"; the routing, sidecar-mixing and debate features register theirs.

import type { Models } from "./models";
import type { ChorusConfig } from "./config";

export type ModeSurface = "completion" | "ask" | "review";

/** How the answer was chosen, shown in the status bar tooltip and kept in the ledger. */
export interface Decision {
  /** The model (or models, "a+b") that produced the answer. */
  model: string;
  /** Short label: "routed", "escalated", "fallback", "single", … */
  action: string;
  /** Why, in words. */
  reason: string;
}

export interface CompletionInput {
  prefix: string;
  suffix: string;
  languageId: string;
  /** Workspace-relative or absolute path; the privacy rules match on it. */
  filePath: string;
  /** Whether the cursor sits at the end of a line with nothing after it. */
  atLineEnd: boolean;
  multiline: boolean;
}

export interface CompletionOutput {
  text: string;
  decision: Decision;
  /** Set by modes that learn (route, cascade): hand it back with the user's verdict (`ApiCollab.feedback`). */
  feedbackId?: string;
}

export interface AskInput {
  question: string;
  code?: string;
  languageId?: string;
  filePath?: string;
}

export interface AskOutput {
  text: string;
  decision: Decision;
  /** As on CompletionOutput: the id a rating of this answer goes back with. */
  feedbackId?: string;
}

export interface ModeServices {
  models: Models;
  config: ChorusConfig;
}

export interface CompletionStrategy {
  complete(input: CompletionInput, signal: AbortSignal): Promise<CompletionOutput>;
}

export interface AskStrategy {
  ask(input: AskInput, signal: AbortSignal, onText?: (text: string) => void): Promise<AskOutput>;
}

export interface ModeDefinition {
  id: string;
  label: string;
  description: string;
  surfaces: ModeSurface[];
  completion?: (services: ModeServices) => CompletionStrategy;
  ask?: (services: ModeServices) => AskStrategy;
}

export class ModeRegistry {
  private readonly modes = new Map<string, ModeDefinition>();

  register(mode: ModeDefinition): void {
    if (this.modes.has(mode.id)) throw new Error(`A mode with the id "${mode.id}" is already registered.`);
    this.modes.set(mode.id, mode);
  }

  get(id: string): ModeDefinition | undefined {
    return this.modes.get(id);
  }

  forSurface(surface: ModeSurface): ModeDefinition[] {
    return [...this.modes.values()].filter((m) => m.surfaces.includes(surface));
  }

  /** The mode to use on a surface: the chosen one if it exists and serves that surface, else the first that does. */
  resolve(surface: ModeSurface, chosen: string | undefined): ModeDefinition {
    const m = chosen ? this.modes.get(chosen) : undefined;
    if (m && m.surfaces.includes(surface)) return m;
    const first = this.forSurface(surface)[0];
    if (!first) throw new Error(`No collaboration mode serves ${surface}.`);
    return first;
  }
}
