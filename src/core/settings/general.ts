// The top-level settings (chorus.ollamaUrl, chorus.privacy.*, chorus.modes.*, chorus.budgetUsd): their schema and defaults, for the extension's settings and the CLI's config file alike.
// chorus.models has its own parser (parseModelConfigs in ../config), whose messages name the entry and field.

import { z } from "zod";
import { setting, type SectionValues } from "./section";

export const DEFAULT_OLLAMA_URL = "http://127.0.0.1:11434";

const httpUrl = z
  .string()
  .trim()
  .refine((s) => URL.canParse(s) && ["http:", "https:"].includes(new URL(s).protocol))
  .transform((s) => s.replace(/\/+$/, ""));
/** A mode id; blank means "the default mode", not an error (the settings UI leaves an emptied field as ""). */
const modeId = (fallback: string) => z.string().transform((s) => s.trim() || fallback);

export const GENERAL_SETTINGS = {
  ollamaUrl: setting(
    z.union([z.literal("").transform(() => DEFAULT_OLLAMA_URL), httpUrl]),
    DEFAULT_OLLAMA_URL,
    "an http(s) URL such as http://127.0.0.1:11434",
  ),
  "privacy.localOnly": setting(z.boolean(), false, "true or false"),
  "privacy.localOnlyGlobs": setting(
    z.array(z.string()),
    () => ["**/.env", "**/.env.*", "**/*.pem", "**/*.key", "**/secrets/**"],
    'a list of glob patterns such as "**/.env"',
  ),
  "modes.completion": setting(modeId("single"), "single", "a mode id such as single, route or cascade"),
  "modes.ask": setting(modeId("single"), "single", "a mode id such as single, route or cascade"),
  "modes.review": setting(modeId("debate"), "debate", "a mode id such as debate"),
  budgetUsd: setting(z.number().finite().min(0), 0, "a number ≥ 0 (0 means no cap)"),
};

export type GeneralSettings = SectionValues<typeof GENERAL_SETTINGS>;
