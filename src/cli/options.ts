// Number options of the CLI's commands, checked in one place so every command words a bad value the same way.

/** A whole number from `min` to `max` given as `flag`; throws a message naming the flag and the bad value. */
export function wholeNumber(flag: string, value: string, max = Number.MAX_SAFE_INTEGER, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${flag} must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : " up"}, not "${value}"`);
  return n;
}
