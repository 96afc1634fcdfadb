// The header checks run at listing time, so a file llama.cpp would refuse (an Ollama gemma3 export without the
// epsilon key, a truncated download) is listed with the reason before a request tries to load it. Only the header
// is read — no tensor data, no llama.cpp — and each file is checked once per (size, mtime).

import { statSync } from "node:fs";
import type { GgufValidator } from "./validate";

/** How long a listing waits for checks still running; the rest finish in the background for the next listing. */
const LISTING_WAIT_MS = 2000;

export class HeaderChecks {
  /** path → the check of the file as it was at `stamp`. */
  private readonly checks = new Map<string, { stamp: string; done: Promise<void> }>();

  constructor(
    private readonly validate: GgufValidator,
    private readonly onRefused: (path: string, reason: string) => void,
  ) {}

  /** Checks every path not checked since it last changed; resolves when all are done or after `waitMs`. */
  async settle(paths: Iterable<string>, waitMs = LISTING_WAIT_MS): Promise<void> {
    const pending = [...new Set(paths)].map((p) => this.check(p));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
    await Promise.race([Promise.all(pending), deadline]);
    clearTimeout(timer);
  }

  /** Never rejects: a refusal is reported through `onRefused`, a vanished file is left to the rescan. */
  check(path: string): Promise<void> {
    const stamp = stampOf(path);
    if (!stamp) return Promise.resolve();
    const known = this.checks.get(path);
    if (known?.stamp === stamp) return known.done;
    const done = this.validate(path).catch((e: unknown) => {
      const why = e instanceof Error ? e.message : String(e);
      // The validator's message starts with the path; the listing already shows which file it is.
      this.onRefused(path, why.startsWith(`${path}: `) ? why.slice(path.length + 2) : why);
    });
    this.checks.set(path, { stamp, done });
    return done;
  }
}

export function stampOf(path: string): string | undefined {
  try {
    const st = statSync(path);
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return undefined;
  }
}
