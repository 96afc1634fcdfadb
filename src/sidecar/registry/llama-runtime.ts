// One llama.cpp runtime per process. node-llama-cpp is ESM-only with top-level await, so it is loaded with a
// dynamic import() (load-llama-lib.ts): that works from the ESM sidecar bundle and the CommonJS CLI bundle alike.

import type { Llama } from "node-llama-cpp";
import { nodeLlamaCpp } from "./load-llama-lib";

export interface RuntimeOptions {
  /** "auto" uses a GPU when node-llama-cpp finds one; false forces the CPU (tests). */
  gpu: "auto" | false;
  /** Log llama.cpp's own warnings (to stderr). */
  verbose?: boolean;
}

let runtime: Promise<Llama> | undefined;
let runtimeGpu: RuntimeOptions["gpu"] | undefined;

export async function getRuntime(opts: RuntimeOptions): Promise<Llama> {
  if (runtime && runtimeGpu === opts.gpu) return runtime;
  runtimeGpu = opts.gpu;
  runtime = (async () => {
    const lib = await nodeLlamaCpp();
    // build: "never": a missing prebuilt binary must be an error, never a surprise compile on the user's machine.
    return lib.getLlama({
      gpu: opts.gpu,
      build: "never",
      logLevel: opts.verbose ? lib.LlamaLogLevel.warn : lib.LlamaLogLevel.error,
      logger: (level, message) => {
        if (message.trim()) process.stderr.write(`[llama.cpp ${level}] ${message.trimEnd()}\n`);
      },
    });
  })();
  runtime.catch(() => {
    runtime = undefined;
  });
  return runtime;
}
