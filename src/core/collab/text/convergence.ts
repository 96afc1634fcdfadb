// When to stop a debate early. Once every reviewer has taken a stance on every finding, a round that raises
// nothing new and flips nobody's stance means another round would most likely repeat itself, so we stop.
// We never stop *because* the models agree and never ask them to agree: a finding still disputed when the run
// stops stays disputed in the result (debating until consensus manufactures it).

export interface RoundChange {
  newFindings: number;
  /** Stances that existed before the round and now say the opposite. */
  flipped: number;
  /** (finding, model) pairs with no stance yet, among the active models. */
  unvoted: number;
}

/** Compare the board's stances (finding|model → stance) before and after a round. */
export function roundChange(
  before: Map<string, string>,
  after: Map<string, string>,
  newFindings: number,
  findingIds: string[],
  activeModels: string[],
): RoundChange {
  let flipped = 0;
  for (const [k, v] of after) {
    const old = before.get(k);
    if (old !== undefined && old !== v) flipped++;
  }
  let unvoted = 0;
  for (const id of findingIds) for (const m of activeModels) if (!after.has(`${id}|${m}`)) unvoted++;
  return { newFindings, flipped, unvoted };
}

/** Converged: a round after the first added no finding, flipped no stance, and left no finding unvoted. */
export function hasConverged(round: number, change: RoundChange): boolean {
  return round >= 2 && change.newFindings === 0 && change.flipped === 0 && change.unvoted === 0;
}
