// One section of Chorus's settings, declared once: for each setting its zod schema (which gives the TypeScript
// type and the check), its default, and what to tell the user when a value fails the check. The same declaration
// reads VS Code settings (flat "chorus.routing.strongShare" keys), the CLI's JSON config file (nested
// {"routing": {"strongShare": …}}) and the sidecar's launch JSON, so the three can never disagree.
//
// A bad value never stops Chorus: that setting gets its default and a problem naming the setting is returned.

import type { z } from "zod";
import { quoteValue } from "../quote";

export interface SettingSpec<T> {
  schema: z.ZodType<T>;
  fallback: () => T;
  /** How a good value looks, completing "<setting> must be …": "a number from 0 to 1". */
  expected: string;
}

/** A setting: its schema, its default (a function when the default is a fresh object or depends on the machine). */
export function setting<T>(schema: z.ZodType<T>, fallback: T | (() => T), expected: string): SettingSpec<T> {
  return { schema, fallback: typeof fallback === "function" ? (fallback as () => T) : () => fallback, expected };
}

/** Setting specs by their path below the section ("strongShare", "privacy.localOnly"). */
export type SectionSpec = Record<string, SettingSpec<unknown>>;

export type SectionValues<S extends SectionSpec> = { [K in keyof S]: S[K] extends SettingSpec<infer T> ? T : never };

/** Where values come from: `get` takes a setting's path ("routing.strongShare"), `name` says how the user spells it. */
export interface SettingsReader {
  get(path: string): unknown;
  name(path: string): string;
}

export interface SettingProblem {
  /** The setting as the user spells it: "chorus.routing.strongShare", or `chorus.json: "routing.strongShare"`. */
  setting: string;
  message: string;
}

/** Every setting of the section: its value when it passes, else its default and a problem. Unset (undefined or null) is the default. */
export function readSection<S extends SectionSpec>(spec: S, prefix: string, reader: SettingsReader, problems: SettingProblem[]): SectionValues<S> {
  const values: Record<string, unknown> = {};
  for (const [field, s] of Object.entries(spec)) {
    const path = prefix ? `${prefix}.${field}` : field;
    const raw = reader.get(path);
    values[field] = raw === undefined || raw === null ? s.fallback() : checked(s, raw, reader.name(path), problems);
  }
  return values as SectionValues<S>;
}

/** The defaults of a section, as readSection gives them when nothing is set. */
export function sectionDefaults<S extends SectionSpec>(spec: S): SectionValues<S> {
  return Object.fromEntries(Object.entries(spec).map(([field, s]) => [field, s.fallback()])) as SectionValues<S>;
}

function checked<T>(s: SettingSpec<T>, raw: unknown, name: string, problems: SettingProblem[]): T {
  const result = s.schema.safeParse(raw);
  if (result.success) return result.data;
  problems.push({ setting: name, message: `${name} must be ${s.expected}, not ${quoteValue(raw)}; using the default.` });
  return s.fallback();
}

/** VS Code settings: flat keys under "chorus.". */
export function vscodeSettingsReader(get: (key: string) => unknown): SettingsReader {
  return { get: (path) => get(`chorus.${path}`), name: (path) => `chorus.${path}` };
}

/**
 * A JSON object shaped like the settings, nested by section ({"routing": {"strongShare": 0.2}}) — the CLI's config
 * file; `where` names it in problems. Flat dotted keys ("privacy.localOnly") are not read: the file nests.
 */
export function jsonSettingsReader(root: unknown, where: string): SettingsReader {
  const get = (path: string): unknown =>
    path
      .split(".")
      .reduce<unknown>(
        (node, part) => (typeof node === "object" && node !== null && !Array.isArray(node) ? (node as Record<string, unknown>)[part] : undefined),
        root,
      );
  return { get, name: (path) => `${where}: "${path}"` };
}
