// The size of libuv's thread pool in a process that runs llama.cpp (the sidecar, the CLI). libuv reads
// UV_THREADPOOL_SIZE once, when the pool is first used, and never resizes it: the CLI (CommonJS, whose loading
// does not touch the pool) sets it as its first statement; the ES-module sidecar cannot (Node's module loader has
// started the pool before any of its code runs), so the extension puts it in the environment it spawns it with.
//
// Why: node-llama-cpp runs every decode and every read-out on that pool. With libuv's default of 4 threads on a
// 2-core machine, each job wakes a different idle thread, and the wake-up often lands on the core where another
// lane is computing, which then loses its core for a while. Measured here (two lanes at vocabulary 32k, each
// evaluating one token at a time side by side in one process): 0.62–0.80 of one lane's speed alone with 4 pool
// threads, 0.82–1.06 with 2; two separate processes got about 0.9. So: one thread per core, from 2 up to libuv's
// default of 4.

import { availableParallelism } from "node:os";

/** Pool threads for a machine with this many cores. */
export function threadPoolSizeFor(cores: number): number {
  return Math.min(4, Math.max(2, Math.floor(cores)));
}

/** The UV_THREADPOOL_SIZE a model process should start with: the user's own setting if there is one. */
export function threadPoolSize(env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): string {
  const set = env.UV_THREADPOOL_SIZE;
  return set && /^\d+$/.test(set) && Number(set) > 0 ? set : String(threadPoolSizeFor(cores));
}
