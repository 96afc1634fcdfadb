// "Chorus: Choose Collaboration Mode": one quick pick with a section per surface (completion, ask, review),
// the active mode of each marked, so the whole choice is visible and keyboard-reachable in one step.
import * as vscode from "vscode";
import type { ModeDefinition, ModeSurface } from "../core/modes";
import { SURFACES } from "./mode-choice";
import type { ChorusServices } from "./services";
import { markStepDone } from "./walkthrough";

export const CHOOSE_MODE_COMMAND = "chorus.chooseMode";

const SURFACE_LABEL: Record<ModeSurface, string> = { completion: "Inline completions", ask: "Ask", review: "Review" };

interface ModeItem extends vscode.QuickPickItem {
  surface: ModeSurface;
  mode: ModeDefinition;
}

export function registerModePicker(services: ChorusServices): void {
  services.context.subscriptions.push(
    // Arguments (surface, modeId) let tests, keybindings and other commands choose without the picker.
    vscode.commands.registerCommand(CHOOSE_MODE_COMMAND, async (surface?: unknown, modeId?: unknown) => {
      if (typeof surface === "string" && typeof modeId === "string") return choose(services, surface, modeId);
      const pick = await vscode.window.showQuickPick(items(services), {
        title: "Chorus: Choose Collaboration Mode",
        placeHolder: "How should the models work together? The choice is remembered for this workspace.",
        matchOnDescription: true,
        matchOnDetail: true,
      });
      if (pick && "mode" in pick) await choose(services, pick.surface, pick.mode.id);
    }),
  );
}

function items(services: ChorusServices): (ModeItem | vscode.QuickPickItem)[] {
  const out: (ModeItem | vscode.QuickPickItem)[] = [];
  for (const surface of SURFACES) {
    const modes = services.modes.forSurface(surface);
    out.push({ label: SURFACE_LABEL[surface], kind: vscode.QuickPickItemKind.Separator });
    if (modes.length === 0) continue;
    const active = activeMode(services, surface);
    for (const mode of modes) {
      const isActive = mode.id === active?.id;
      const item: ModeItem = {
        label: `${isActive ? "$(check)" : "$(blank)"} ${mode.label}`,
        description: `${SURFACE_LABEL[surface]} · ${mode.id}${isActive ? " · active" : ""}`,
        detail: mode.description,
        surface,
        mode,
      };
      out.push(item);
    }
  }
  return out;
}

/** The mode that actually serves a surface: the chosen one if registered, else the registry's fallback. */
export function activeMode(services: ChorusServices, surface: ModeSurface): ModeDefinition | undefined {
  try {
    return services.modes.resolve(surface, services.engineHost.config.modes[surface]);
  } catch {
    return undefined;
  }
}

async function choose(services: ChorusServices, surface: string, modeId: string): Promise<void> {
  if (!(SURFACES as readonly string[]).includes(surface)) {
    void vscode.window.showErrorMessage(`Chorus: "${surface}" is not a surface; use one of ${SURFACES.join(", ")}.`);
    return;
  }
  const s = surface as ModeSurface;
  const mode = services.modes.get(modeId);
  if (!mode || !mode.surfaces.includes(s)) {
    const known =
      services.modes
        .forSurface(s)
        .map((m) => m.id)
        .join(", ") || "none yet";
    void vscode.window.showErrorMessage(`Chorus: no mode "${modeId}" serves ${surface}. Modes for ${surface}: ${known}.`);
    return;
  }
  await services.modeChoices.set(s, mode.id);
  markStepDone("mode");
  services.log.info(`mode for ${surface} set to ${mode.id} in this workspace`);
  services.engineHost.applyModeChoices();
}
