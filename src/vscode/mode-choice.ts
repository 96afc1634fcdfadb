// The collaboration mode a user picked for each surface, remembered per workspace (workspaceState): one project
// may want a cascade for completions while another stays on a single local model. A choice overrides the
// chorus.modes.* settings; clearing it falls back to them.
import * as vscode from "vscode";
import type { ModeSurface } from "../core/modes";

const KEY = "chorus.modeChoices";
export const SURFACES: readonly ModeSurface[] = ["completion", "ask", "review"];

export class ModeChoices implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ModeSurface>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: vscode.Memento) {}

  all(): Partial<Record<ModeSurface, string>> {
    const raw = this.state.get<unknown>(KEY);
    if (typeof raw !== "object" || raw === null) return {};
    const out: Partial<Record<ModeSurface, string>> = {};
    for (const s of SURFACES) {
      const v = (raw as Record<string, unknown>)[s];
      if (typeof v === "string" && v) out[s] = v;
    }
    return out;
  }

  get(surface: ModeSurface): string | undefined {
    return this.all()[surface];
  }

  async set(surface: ModeSurface, modeId: string | undefined): Promise<void> {
    const next = { ...this.all() };
    if (modeId) next[surface] = modeId;
    else delete next[surface];
    await this.state.update(KEY, next);
    this.changed.fire(surface);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
