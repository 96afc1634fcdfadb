// The scripted demo reviewer's recordings: the findings for the planted bugs in the demo workspace (demo/workspace,
// copied fresh by `npm start`). They were written by hand for those files — the demo models (a few million
// parameters, trained on code) cannot follow a review prompt — and the reviewer says so wherever it appears.
// Each finding is anchored on the exact text of the lines it is about, not on line numbers, so it is found
// wherever those lines are in the text under review, and is left out once they are fixed.

import type { Severity } from "../collab/text/findings";

export interface RecordedFinding {
  /** The exact lines (whitespace included) the finding is about, one or more, joined by "\n". */
  lines: string;
  severity: Severity;
  category: "bug" | "security" | "performance" | "readability" | "style" | "other";
  title: string;
  rationale: string;
  /** Replacement text for `lines` (whole lines). */
  patch: string;
}

export interface RecordedReview {
  /** The file's name in the demo workspace. */
  file: string;
  languageId: "typescript" | "python";
  findings: RecordedFinding[];
}

export const RECORDED_REVIEWS: readonly RecordedReview[] = [
  {
    file: "cart.ts",
    languageId: "typescript",
    findings: [
      {
        lines: "  for (let i = 0; i <= items.length; i++) {",
        severity: "error",
        category: "bug",
        title: "The loop reads one item past the end",
        rationale: "With `<=` the last pass reads items[items.length], which is undefined, so subtotal() throws a TypeError for every cart.",
        patch: "  for (let i = 0; i < items.length; i++) {",
      },
      {
        lines: "  return amount - amount * discount.percent;",
        severity: "error",
        category: "bug",
        title: "The percent is used as a fraction",
        rationale: "Discount.percent is 0 to 100, so a 15% code subtracts 15 times the amount and the total goes negative. Divide by 100.",
        patch: "  return amount - (amount * discount.percent) / 100;",
      },
      {
        lines: "  return items.find((item) => (item.sku = sku));",
        severity: "error",
        category: "bug",
        title: "Assignment instead of comparison",
        rationale: "`item.sku = sku` overwrites the first item's sku and is truthy for any non-empty sku, so findItem() always returns the first item.",
        patch: "  return items.find((item) => item.sku === sku);",
      },
    ],
  },
  {
    file: "inventory.py",
    languageId: "python",
    findings: [
      {
        lines: "def restock(stock: Stock, amount: int, log=[]) -> Stock:",
        severity: "warning",
        category: "bug",
        title: "Mutable default argument",
        rationale: "The default list is created once, when the function is defined, so every call without `log` appends to the same list.",
        patch: "def restock(stock: Stock, amount: int, log: list | None = None) -> Stock:\n    log = [] if log is None else log",
      },
      {
        lines: "    if stock.on_hand > amount:",
        severity: "error",
        category: "bug",
        title: "The last units can never be sold",
        rationale: "With `>` a sale of exactly what is on hand is refused; it should be allowed (`>=`).",
        patch: "    if stock.on_hand >= amount:",
      },
      {
        lines: "    return sum(sales) / len(sales)",
        severity: "warning",
        category: "bug",
        title: "ZeroDivisionError on a day without sales",
        rationale: "An empty list divides by zero; return 0.0 (or raise a clear error) when there are no sales.",
        patch: "    return sum(sales) / len(sales) if sales else 0.0",
      },
    ],
  },
];
