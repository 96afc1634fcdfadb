// Which models a review's model picker starts with ticked, so that Enter alone starts a sensible run: the models
// picked last time for that mode in this workspace, where they are all still configured; else the first few
// ordinary models. A sidecar mixing preset (model "chorus/…") is already several models voting on every token,
// so it is ticked only when there is nothing else to tick.

import { isMixingPreset, type ModelConfig } from "../core/config";

/** workspaceState key: { [mode]: model ids }. */
export const LAST_PARTICIPANTS_KEY = "chorus.review.lastParticipants";
/** Three reviewers, as in the multi-agent debate results (three agents, two rounds). */
const DEFAULT_COUNT = 3;

/** What workspaceState holds under LAST_PARTICIPANTS_KEY, or an empty map when it holds anything else. */
function byMode(remembered: unknown): Record<string, unknown> {
  return typeof remembered === "object" && remembered !== null ? (remembered as Record<string, unknown>) : {};
}

export function initialParticipants(mode: string, models: readonly ModelConfig[], remembered: unknown): string[] {
  const known = new Set(models.map((m) => m.id));
  const last = byMode(remembered)[mode];
  if (Array.isArray(last) && last.length > 0 && last.every((id) => typeof id === "string" && known.has(id))) return last as string[];
  const ordinary = models.filter((m) => !isMixingPreset(m));
  return (ordinary.length > 0 ? ordinary : models).slice(0, DEFAULT_COUNT).map((m) => m.id);
}

/** The remembered map with this mode's pick replaced. */
export function rememberParticipants(mode: string, picked: readonly string[], remembered: unknown): Record<string, unknown> {
  return { ...byMode(remembered), [mode]: [...picked] };
}
