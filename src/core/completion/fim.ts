// Fill-in-the-middle prompt assembly: how much of the text before and after the cursor a model sees. The budgets
// are in characters (≈ 4 per token) so assembly needs no tokenizer; cuts fall on line boundaries so the model never
// sees half a line at the edge of its context.

export interface FimBudget {
  prefixChars: number;
  suffixChars: number;
}

/** Continue's defaults scaled to characters: 1024 tokens, 30% prefix / 20% suffix of a 2048-token prompt. */
export const DEFAULT_FIM_BUDGET: FimBudget = { prefixChars: 4800, suffixChars: 1600 };

export function clipPrefix(prefix: string, max: number): string {
  if (prefix.length <= max) return prefix;
  const start = prefix.length - max;
  const nl = prefix.indexOf("\n", start);
  // Keep the cursor's own line whole even if it alone exceeds the budget.
  return nl >= 0 && nl < prefix.length - 1 ? prefix.slice(nl + 1) : prefix.slice(start);
}

export function clipSuffix(suffix: string, max: number): string {
  if (suffix.length <= max) return suffix;
  const nl = suffix.lastIndexOf("\n", max - 1);
  return nl > 0 ? suffix.slice(0, nl + 1) : suffix.slice(0, max);
}

export function assembleFim(prefix: string, suffix: string, budget: FimBudget = DEFAULT_FIM_BUDGET): { prefix: string; suffix: string } {
  return { prefix: clipPrefix(prefix, budget.prefixChars), suffix: clipSuffix(suffix, budget.suffixChars) };
}
