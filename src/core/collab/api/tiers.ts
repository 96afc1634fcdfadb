// Which configured models count as cheap and which as strong, from their tags and prices, after the privacy
// rules have removed the ones a request may not reach.

import type { ModelConfig } from "../../config";

export interface TierChoice {
  cheapModel?: string;
  strongModel?: string;
}

export interface Tiers {
  /** Cheapest first. */
  cheap: ModelConfig[];
  /** Most capable first. */
  strong: ModelConfig[];
}

const has = (m: ModelConfig, t: string): boolean => m.tags?.includes(t) ?? false;
const price = (m: ModelConfig): number => (m.priceIn ?? 0) + (m.priceOut ?? 0);

export function usableModels(models: ModelConfig[]): ModelConfig[] {
  return models.filter((m) => !has(m, "embedding"));
}

/**
 * Cheap: tagged fast, cheap or local (or the explicit choice), cheapest first. Strong: tagged strong (or the
 * explicit choice), else any untagged cloud model, else the priciest. A model may be in both when it is the only one.
 */
export function modelTiers(models: ModelConfig[], choice: TierChoice = {}): Tiers {
  const usable = usableModels(models);
  const byId = (id: string | undefined): ModelConfig[] => usable.filter((m) => m.id === id);
  let cheap = usable.filter((m) => has(m, "fast") || has(m, "cheap") || (has(m, "local") && !has(m, "strong")));
  cheap.sort((a, b) => price(a) - price(b) || Number(has(b, "fast")) - Number(has(a, "fast")));
  let strong = usable.filter((m) => has(m, "strong"));
  if (strong.length === 0) strong = usable.filter((m) => !cheap.includes(m));
  strong.sort((a, b) => price(b) - price(a));
  if (cheap.length === 0) cheap = usable.filter((m) => !strong.includes(m)).sort((a, b) => price(a) - price(b));
  if (cheap.length === 0 && usable.length > 0) cheap = [...usable].sort((a, b) => price(a) - price(b));
  if (strong.length === 0) strong = [...cheap].reverse();
  const pin = (list: ModelConfig[], id: string | undefined): ModelConfig[] => [...byId(id), ...list.filter((m) => m.id !== id)];
  return { cheap: pin(cheap, choice.cheapModel), strong: pin(strong, choice.strongModel) };
}

/** A fallback order: `first`, then the rest of its tier, then the other tier, each model once. */
export function chainFrom(first: ModelConfig[], then: ModelConfig[]): string[] {
  return [...new Set([...first, ...then].map((m) => m.id))];
}

/**
 * The last tiers sorted, kept by the routing state (ApiCollab) that uses them: every keystroke's request sees the same
 * allowed models under the same options, so they are sorted once. Config and options are replaced, never changed in
 * place, when settings change, so the same objects mean the same tiers.
 */
export class TierCache {
  private last: { allowed: ModelConfig[]; options: TierChoice; tiers: Tiers } | undefined;

  of(allowed: ModelConfig[], options: TierChoice): Tiers {
    const last = this.last;
    if (last && last.options === options && last.allowed.length === allowed.length && last.allowed.every((m, i) => m === allowed[i])) return last.tiers;
    const tiers = modelTiers(allowed, options);
    this.last = { allowed, options, tiers };
    return tiers;
  }
}
