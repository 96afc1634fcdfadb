// Where the helper process's entry is: dist/chorus-isolate.mjs next to the running bundle (the sidecar, the CLI),
// or the TypeScript source run through tsx (tests, and tools run from a checkout). CHORUS_ISOLATE_ENTRY overrides.
// The merge's encoding workers (merge/encode-pool.ts) are found the same way.

import { existsSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";

export const ISOLATE_BUNDLE = "chorus-isolate.mjs";
/** The helper's own heap: a template that builds strings without bound ends the helper here, not the machine. */
const HEAP_MB = 512;

export interface HelperCommand {
  command: string;
  args: string[];
}

function runningScriptDir(): string | undefined {
  const script = process.argv[1];
  if (!script) return undefined;
  try {
    return dirname(realpathSync(script));
  } catch {
    return dirname(script);
  }
}

/**
 * The file a helper (process or worker thread) runs: `bundle` next to the running bundle, or `source` (a
 * TypeScript file, for tests and tools run from a checkout through tsx); undefined when neither exists.
 */
export function findEntry(bundle: string, source: string | undefined, override?: string): string | undefined {
  const here = typeof __dirname === "string" ? __dirname : undefined;
  const scriptDir = runningScriptDir();
  const candidates = [override, here && join(here, bundle), source, scriptDir && join(scriptDir, bundle)];
  return candidates.find((entry): entry is string => !!entry && existsSync(entry));
}

export function isolateCommand(): HelperCommand {
  const heap = `--max-old-space-size=${HEAP_MB}`;
  const here = typeof __dirname === "string" ? __dirname : undefined;
  const entry = findEntry(ISOLATE_BUNDLE, here && join(here, "child.ts"), process.env.CHORUS_ISOLATE_ENTRY);
  if (!entry) {
    throw new Error(
      `the helper process's entry (${ISOLATE_BUNDLE}) was not found next to ${runningScriptDir() ?? "the running script"}; rebuild Chorus (npm run build)`,
    );
  }
  // Sources need tsx's loader; the bundle is plain ESM.
  const loader = entry.endsWith(".ts") ? ["--import", "tsx"] : [];
  return { command: process.execPath, args: [heap, ...loader, entry] };
}
