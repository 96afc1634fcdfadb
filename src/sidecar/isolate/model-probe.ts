// Proves a model file loadable before the serving process opens it: the helper process loads it with llama.cpp,
// creates a context and decodes a token (child.ts). llama.cpp aborts the process on many files no header check
// foresees (a norm stored as F16, expert counts on a dense model, a bad epsilon, duplicate tokens…), so the
// answer is taken from what happens, not from a list of known faults. Verdicts are cached by path, size and mtime.

import { statSync } from "node:fs";
import { IsolatedHelper, IsolateError } from "./helper";
import { ProbeCache, type ProbeVerdict } from "./probe-cache";
import type { ProbeResult } from "./protocol";

export interface ModelProbeOptions {
  gpu: "auto" | false;
  /** The cache file (in the sidecar's cache folder); none keeps verdicts in memory. */
  cacheFile?: string;
  helper?: IsolatedHelper;
  log?: (line: string) => void;
}

/** Loading maps the file and starts llama.cpp's runtime: a slow disk or a busy machine gets ample time, more for a
 *  big file, since a file refused for being slow would be a false verdict. */
function timeLimitMs(path: string): number {
  let bytes = 0;
  try {
    bytes = statSync(path).size;
  } catch {
    /* the load reports it */
  }
  return 120_000 + Math.ceil(bytes / 1e9) * 15_000;
}

export class ModelProbe {
  private readonly cache: ProbeCache;
  private readonly helper: IsolatedHelper;

  constructor(private readonly opts: ModelProbeOptions) {
    this.cache = new ProbeCache(opts.cacheFile);
    this.helper = opts.helper ?? new IsolatedHelper({ log: opts.log });
  }

  /** The cached verdict, without probing (for the model list). */
  known(path: string): ProbeVerdict | undefined {
    return this.cache.get(path);
  }

  /** Whether llama.cpp can load the file; throws only when llama.cpp itself cannot start (no file is at fault). */
  async check(path: string): Promise<ProbeVerdict> {
    const cached = this.cache.get(path);
    if (cached) return cached;
    let verdict: ProbeVerdict;
    try {
      await this.helper.request<ProbeResult>({ kind: "probe", path, gpu: this.opts.gpu, threads: 1 }, timeLimitMs(path));
      verdict = { loadable: true };
    } catch (e) {
      if (!(e instanceof IsolateError) || e.kind === "unavailable") throw e;
      verdict = {
        loadable: false,
        reason:
          e.kind === "failed"
            ? `llama.cpp refused it: ${e.message}`
            : `llama.cpp ${e.kind === "timeout" ? "loading it " + e.message : "crashed on it: " + e.message}`,
      };
      // A timeout may be a busy machine rather than the file: not remembered across starts.
      if (e.kind === "timeout") return verdict;
    }
    this.cache.set(path, verdict);
    return verdict;
  }

  dispose(): Promise<void> {
    return this.helper.dispose();
  }
}
