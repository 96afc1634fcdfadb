// Options of the CLI's commands (numbers, files named on the command line), checked in one place so every command
// words a bad value the same way.
import { existsSync, readFileSync, statSync } from "node:fs";

/** A whole number from `min` to `max` given as `flag`; throws a message naming the flag and the bad value. */
export function wholeNumber(flag: string, value: string, max = Number.MAX_SAFE_INTEGER, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${flag} must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : " up"}, not "${value}"`);
  return n;
}

/** A text file named on the command line, read whole; a missing file or a folder is said in words that name it. */
export function readTextFile(file: string, what: string): string {
  if (!existsSync(file)) throw new Error(`${what} ${file} does not exist`);
  if (statSync(file).isDirectory()) throw new Error(`${what} ${file} is a folder; give a file`);
  return readFileSync(file, "utf8");
}
