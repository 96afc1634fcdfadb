// chorus.routing.* and chorus.completion.* → the options of the API-level modes and the inline completion engine,
// by the schemas in src/core/settings/routing.ts. A bad value never stops completions: the default is used and
// the problem named with the setting to fix.

import type * as vscode from "vscode";
import { readRoutingSettings as readSections, type CompletionSettings } from "../core/settings/routing";
import type { SettingProblem } from "../core/settings/section";
import type { ApiCollabOptions } from "../core/collab/api/api-collab";
import { settingsReader } from "./settings";

export type { CompletionSettings };

export interface RoutingSettings {
  collab: ApiCollabOptions;
  completion: CompletionSettings;
  problems: string[];
}

export function readRoutingSettings(config: Pick<vscode.WorkspaceConfiguration, "get">): RoutingSettings {
  const problems: SettingProblem[] = [];
  const sections = readSections(settingsReader({ get: (k) => config.get(k) }), problems);
  return { ...sections, problems: problems.map((p) => p.message) };
}
