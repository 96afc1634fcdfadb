// Held-out-subject partitions of a RouteLLM-format file: every k-th subject in sorted order is a test subject,
// after shuffling the subjects (mulberry32) when a seed is given. Shared by split-by-domain.ts, which writes one
// partition to files, and routing-folds.ts, which runs the router on all the standard partitions at once.
import { mulberry32 } from "../src/sidecar/random";

export interface FoldSpec {
  folds: number;
  fold: number;
  seed?: number;
}

/**
 * The 32 partitions the router is judged on (bench/api-routing-results.md): one partition suits some routers
 * and not others by ±0.1 APGR, so a change has to hold up across all of them.
 */
export const STANDARD_FOLDS: readonly FoldSpec[] = [
  ...[3, 5].flatMap((folds) => Array.from({ length: folds }, (_, fold) => ({ folds, fold }))),
  ...[1, 2, 3, 4, 7919, 15838, 23757, 31676].flatMap((seed) => [0, 1, 2].map((fold) => ({ folds: 3, fold, seed }))),
];

/** The subjects held out for testing in `spec`, from the set of all subjects (any order, duplicates allowed). */
export function heldOutDomains(allDomains: Iterable<string>, spec: FoldSpec): Set<string> {
  const domains = [...new Set(allDomains)].sort();
  if (spec.seed !== undefined) {
    const rnd = mulberry32(spec.seed);
    for (let i = domains.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [domains[i], domains[j]] = [domains[j]!, domains[i]!];
    }
  }
  return new Set(domains.filter((_, i) => i % spec.folds === spec.fold));
}
