// Type below: the demo models suggest ghost text (short code-like completions).
export function add(a: number, b: number): number {
  return a + b;
}
