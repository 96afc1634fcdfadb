// Reading RouteLLM-format evaluation files (one JSON object a line, see shared/data/routellm/README.md).
// Any file of that shape is accepted, so Chorus can be measured on subjects it has never seen; a bad line is
// reported by file and line number rather than skipped, because a silently shrunken test set lies.

import { readFileSync } from "node:fs";

export interface RoutingRow {
  id: string;
  benchmark: string;
  domain: string;
  prompt: string;
  weakCorrect: boolean;
  strongCorrect: boolean;
  weakResponse?: string;
}

export function parseRoutingRows(text: string, where: string): RoutingRow[] {
  const rows: RoutingRow[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const at = `${where}:${i + 1}`;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (e) {
      throw new Error(`${at}: not valid JSON (${(e as Error).message}). Each line must be one RouteLLM row.`);
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw))
      throw new Error(`${at}: expected a JSON object with prompt, weak_correct and strong_correct`);
    const r = raw as Record<string, unknown>;
    if (typeof r.prompt !== "string") throw new Error(`${at}: "prompt" must be a string`);
    if (typeof r.weak_correct !== "boolean" || typeof r.strong_correct !== "boolean")
      throw new Error(`${at}: "weak_correct" and "strong_correct" must be true or false`);
    rows.push({
      id: typeof r.id === "string" ? r.id : `${where}#${i + 1}`,
      benchmark: typeof r.benchmark === "string" ? r.benchmark : "unknown",
      domain: typeof r.domain === "string" ? r.domain : "unknown",
      prompt: r.prompt,
      weakCorrect: r.weak_correct,
      strongCorrect: r.strong_correct,
      weakResponse: typeof r.weak_response === "string" ? r.weak_response : undefined,
    });
  });
  if (rows.length === 0) throw new Error(`${where}: no rows. Expected RouteLLM JSON lines with prompt, weak_correct, strong_correct.`);
  return rows;
}

export function readRoutingFile(path: string): RoutingRow[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`Cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}. Pass a RouteLLM-format .jsonl file.`);
  }
  return parseRoutingRows(text, path);
}
