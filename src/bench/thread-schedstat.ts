// The main thread's scheduler statistics from Linux (/proc/thread-self/schedstat: time on a CPU and time spent
// runnable but waiting for one, both in ns). Read from the main thread, /proc/thread-self is that thread; elsewhere
// (another OS) there are none and the callers leave the figures out.
import { readFileSync } from "node:fs";

export interface ThreadSchedstat {
  /** Time this thread has run on a CPU, ms. Brought up to date at each context switch or timer tick. */
  onCpuMs: number;
  /** Time it has waited, runnable, for a CPU, ms. Complete whenever the thread is running. */
  waitMs: number;
}

export function mainThreadSchedstat(): ThreadSchedstat | undefined {
  try {
    const [onCpu, wait] = readFileSync("/proc/thread-self/schedstat", "utf8").split(" ").map(Number);
    return Number.isFinite(onCpu) && Number.isFinite(wait) ? { onCpuMs: onCpu! / 1e6, waitMs: wait! / 1e6 } : undefined;
  } catch {
    return undefined;
  }
}
