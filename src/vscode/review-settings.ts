// The review settings (chorus.review.*) and, where they are empty, asking the user: which models take part,
// how many rounds, who judges. A bad value is named with the setting to fix.

import * as vscode from "vscode";
import type { ReviewMode } from "../core/collab/text/events";
import type { ModelConfig } from "../core/config";
import { readReviewSettings, type ReviewSettings } from "../core/settings/review";
import type { SettingProblem } from "../core/settings/section";
import { initialParticipants, LAST_PARTICIPANTS_KEY, rememberParticipants } from "./review-participants";
import { settingsReader, settingsSource, SETTINGS } from "./settings";

export interface ReviewChoice {
  participants: string[];
  rounds: number;
  judge?: string;
}

export class ReviewSettingsError extends Error {
  constructor(
    message: string,
    readonly setting?: string,
  ) {
    super(message);
  }
}

/** The chorus.review.* settings; a bad one stops this review with a message naming it, before any model is asked. */
function readSettings(): ReviewSettings {
  const problems: SettingProblem[] = [];
  const settings = readReviewSettings(settingsReader(settingsSource(vscode.workspace.getConfiguration())), problems);
  const [first] = problems;
  if (first) throw new ReviewSettingsError(first.message, first.setting);
  return settings;
}

/**
 * The participants, rounds and judge for a run: from settings, or picked now when chorus.review.participants is
 * empty (ticking the models picked last time in this workspace, `state`). Undefined when the user dismissed a picker.
 */
export async function chooseReviewSetup(mode: ReviewMode, models: ModelConfig[], state: vscode.Memento): Promise<ReviewChoice | undefined> {
  const s = readSettings();
  const known = new Set(models.map((m) => m.id));
  const unknown = [...s.participants, ...(s.judge ? [s.judge] : [])].filter((id) => !known.has(id));
  if (unknown.length)
    throw new ReviewSettingsError(
      `${unknown.map((u) => `"${u}"`).join(", ")} in chorus.review.* ${unknown.length > 1 ? "are" : "is"} not in chorus.models (configured: ${[...known].join(", ") || "none"}).`,
      SETTINGS.reviewParticipants,
    );
  if (s.participants.length > 0) return s;
  if (models.length === 0)
    throw new ReviewSettingsError("No models are configured. Add models to chorus.models, or start Ollama so Chorus can find its models.", SETTINGS.models);
  const items = models.map((m) => ({ label: m.id, description: `${m.provider} · ${m.model}`, picked: false }));
  if (mode === "refine") {
    const author = await vscode.window.showQuickPick(items, {
      title: "Chorus: Refine with Feedback (1/2)",
      placeHolder: "The author: writes the review and revises it",
    });
    if (!author) return undefined;
    const critic = await vscode.window.showQuickPick(items, {
      title: "Chorus: Refine with Feedback (2/2)",
      placeHolder: "The critic: checks the review (the same model critiques itself)",
    });
    if (!critic) return undefined;
    return { ...s, participants: author.label === critic.label ? [author.label] : [author.label, critic.label] };
  }
  if (models.length < 2 && mode === "debate")
    throw new ReviewSettingsError(`A debate needs at least two models; only ${models[0]!.id} is configured. Add another to chorus.models.`, SETTINGS.models);
  let ticked = new Set(initialParticipants(mode, models, state.get(LAST_PARTICIPANTS_KEY)));
  let placeHolder = "Reviewers: tick, then Enter (chorus.review.participants skips this)";
  for (;;) {
    for (const item of items) item.picked = ticked.has(item.label);
    const picked = await vscode.window.showQuickPick(items, {
      canPickMany: true,
      title: mode === "debate" ? "Chorus: Models for the debate" : "Chorus: Proposers for the mixture of agents",
      placeHolder,
    });
    if (!picked || picked.length === 0) return undefined;
    // A debate of one is no debate: ask again (keeping the pick) rather than fail, and remember only a usable pick.
    if (mode === "debate" && picked.length < 2) {
      ticked = new Set(picked.map((p) => p.label));
      placeHolder = "A debate needs at least two models: tick one more, then Enter";
      continue;
    }
    return remember(
      mode,
      picked.map((p) => p.label),
      s,
      state,
    );
  }
}

/** Keep this pick for the next run of the mode in this workspace. */
async function remember(mode: ReviewMode, participants: string[], s: ReturnType<typeof readSettings>, state: vscode.Memento): Promise<ReviewChoice> {
  await state.update(LAST_PARTICIPANTS_KEY, rememberParticipants(mode, participants, state.get(LAST_PARTICIPANTS_KEY)));
  return { ...s, participants };
}
