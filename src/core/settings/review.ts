// chorus.review.*: who takes part in a review, how many rounds, who judges — schema and defaults.

import { z } from "zod";
import { MAX_ROUNDS } from "../collab/text/review";
import { readSection, setting, type SettingProblem, type SettingsReader } from "./section";

const modelIds = z.array(z.string()).transform((ids) => ids.map((id) => id.trim()).filter(Boolean));

export const REVIEW_SETTINGS = {
  participants: setting(modelIds, () => [], 'a list of model ids, such as ["local-coder", "gpt4o"]'),
  rounds: setting(z.number().int().min(1).max(MAX_ROUNDS), 2, `a whole number from 1 to ${MAX_ROUNDS}`),
  judge: setting(
    z.string().transform((s) => s.trim() || undefined),
    undefined,
    "a model id",
  ),
};

export interface ReviewSettings {
  participants: string[];
  rounds: number;
  judge?: string;
}

export function readReviewSettings(reader: SettingsReader, problems: SettingProblem[]): ReviewSettings {
  const { participants, rounds, judge } = readSection(REVIEW_SETTINGS, "review", reader, problems);
  return { participants, rounds, ...(judge ? { judge } : {}) };
}
