// Learned models persisted per user as JSON in the extension's (or CLI's) storage folder.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { OnlineLogistic, type LogisticOptions } from "./logistic";

/** A missing file is a fresh model; a corrupt one is set aside (never deleted) and reported, never fatal. */
export function loadLogistic(path: string, opts: LogisticOptions, onProblem?: (msg: string) => void): OnlineLogistic {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return new OnlineLogistic(opts);
  }
  try {
    return OnlineLogistic.fromJSON(JSON.parse(text), opts);
  } catch (e) {
    const aside = `${path}.corrupt-${Date.now()}`;
    try {
      renameSync(path, aside);
    } catch {
      /* if even that fails, the next save overwrites it */
    }
    onProblem?.(`The learned model at ${path} could not be read (${(e as Error).message}); starting fresh and keeping the old file as ${aside}.`);
    return new OnlineLogistic(opts);
  }
}

/** Write atomically (temp file + rename) so a crash never leaves a half-written model. */
export function saveLogistic(path: string, model: OnlineLogistic): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(model.toJSON()));
  renameSync(tmp, path);
}
