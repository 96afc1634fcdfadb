// Temp files a killed merge left behind. A merge writes `<out>.tmp-<pid>` and renames it when complete (gguf/writer.ts),
// and merge-for-my-code writes `.chorus-merge-candidate-<pid>-<n>.gguf` beside the output (optimize.ts). A merge
// that is stopped cleanly removes them; one killed with SIGKILL (or by a power cut) cannot, so the next merge into
// the same folder removes those whose process is gone. A file of a merge still running (another terminal) is kept.

import { readdir, unlink } from "node:fs/promises";
import * as path from "node:path";

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The pid that owns `name`, if it is one of our temp files for `outName`. */
export function tempFileOwner(name: string, outName: string): number | undefined {
  const m = new RegExp(`^(?:${escapeRegExp(outName)}\\.tmp-(\\d+)|\\.chorus-merge-candidate-(\\d+)-\\d+\\.gguf(?:\\.tmp-\\d+)?)$`).exec(name);
  const pid = m ? Number(m[1] ?? m[2]) : NaN;
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** Whether a process with this id exists (EPERM: it does, but belongs to another user). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes the temp files beside `out` whose merge process no longer exists; returns their paths. */
export async function removeStaleTempFiles(out: string): Promise<string[]> {
  const dir = path.dirname(path.resolve(out));
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return []; // a missing folder is reported by the writer, with advice
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = tempFileOwner(name, path.basename(out));
    if (pid === undefined || pid === process.pid || processExists(pid)) continue;
    const file = path.join(dir, name);
    await unlink(file).then(
      () => removed.push(file),
      () => undefined, // gone already, or not ours to remove: the merge itself does not depend on it
    );
  }
  return removed;
}
