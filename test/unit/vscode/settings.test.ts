import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { defaultConfig } from "../../../src/core/config";
import { GENERAL_SETTINGS } from "../../../src/core/settings/general";
import { REVIEW_SETTINGS } from "../../../src/core/settings/review";
import { COMPLETION_SETTINGS, ROUTING_SETTINGS } from "../../../src/core/settings/routing";
import type { SectionSpec } from "../../../src/core/settings/section";
import { launchSettings } from "../../../src/sidecar/server/config";
import { EDITOR_SETTINGS, readConfig, SETTINGS } from "../../../src/vscode/settings";
import { EXTENSION_SIDECAR_SETTINGS } from "../../../src/vscode/sidecar-settings";

const source = (values: Record<string, unknown>) => ({ get: <T>(k: string) => values[k] as T | undefined });

void test("every setting the code reads is declared in package.json, and nothing else", () => {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
    contributes: { configuration: { properties: Record<string, unknown> } };
  };
  assert.deepEqual(Object.keys(pkg.contributes.configuration.properties).sort(), [...new Set(Object.values(SETTINGS))].sort());
});

void test("nothing configured gives the defaults and no problems", () => {
  const { config, problems } = readConfig(source({}));
  assert.deepEqual(config, defaultConfig());
  assert.deepEqual(problems, []);
});

void test("settings map onto ChorusConfig", () => {
  const { config, problems } = readConfig(
    source({
      [SETTINGS.models]: [{ id: "a", provider: "openai", model: "gpt-4o-mini", priceIn: 0.15, apiKeySecret: "OPENAI_API_KEY" }],
      [SETTINGS.ollamaUrl]: "http://10.0.0.2:11434/",
      [SETTINGS.localOnly]: true,
      [SETTINGS.localOnlyGlobs]: ["**/*.secret"],
      [SETTINGS.modeCompletion]: "cascade",
      [SETTINGS.modeAsk]: " route ",
      [SETTINGS.budgetUsd]: 5,
    }),
  );
  assert.deepEqual(problems, []);
  assert.equal(config.models[0]?.apiKeySecret, "OPENAI_API_KEY");
  assert.equal(config.ollamaUrl, "http://10.0.0.2:11434", "trailing slash dropped");
  assert.deepEqual(config.privacy, { localOnly: true, localOnlyGlobs: ["**/*.secret"] });
  assert.deepEqual(config.modes, { completion: "cascade", ask: "route", review: "debate" });
  assert.equal(config.budgetUsd, 5);
});

void test("bad values fall back to defaults, each reported with the setting to fix", () => {
  const { config, problems } = readConfig(
    source({
      [SETTINGS.models]: [{ id: "x", provider: "nope", model: "m" }],
      [SETTINGS.ollamaUrl]: "localhost:11434",
      [SETTINGS.localOnlyGlobs]: "**/.env",
      [SETTINGS.budgetUsd]: -3,
    }),
  );
  assert.deepEqual(config.models, []);
  assert.equal(config.ollamaUrl, defaultConfig().ollamaUrl);
  assert.equal(config.budgetUsd, 0);
  assert.deepEqual(problems.map((p) => p.key).sort(), [SETTINGS.budgetUsd, SETTINGS.localOnlyGlobs, SETTINGS.models, SETTINGS.ollamaUrl].sort());
  assert.match(problems.find((p) => p.key === SETTINGS.models)!.message, /provider.*nope/);
  assert.match(problems.find((p) => p.key === SETTINGS.ollamaUrl)!.message, /http/);
});

void test("each schema's default is package.json's default, read through the same schema", () => {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
    contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
  };
  const props = pkg.contributes.configuration.properties;
  const sections: [string, SectionSpec][] = [
    ["", GENERAL_SETTINGS],
    ["", EDITOR_SETTINGS],
    ["routing", ROUTING_SETTINGS],
    ["completion", COMPLETION_SETTINGS],
    ["review", REVIEW_SETTINGS],
    ["sidecar", EXTENSION_SIDECAR_SETTINGS],
    ["sidecar", launchSettings(4)],
  ];
  let checked = 0;
  for (const [prefix, spec] of sections) {
    for (const [field, s] of Object.entries(spec)) {
      const key = `chorus.${prefix ? `${prefix}.` : ""}${field}`;
      const declared = props[key];
      if (!declared) continue; // launch-only fields (ollamaDir, port, …) are no settings
      assert.deepEqual(s.schema.parse(declared.default), s.fallback(), `${key}: package.json's default and the schema's differ`);
      checked++;
    }
  }
  // Every setting but chorus.models (parsed by parseModelConfigs, default []) has a schema.
  assert.equal(checked, Object.keys(props).length - 1);
});

void test("a bad value is named with its setting and replaced by the default, the others still apply", () => {
  const { config, discoverOllama, problems } = readConfig(
    source({ [SETTINGS.discoverOllama]: "yes", [SETTINGS.modeReview]: "  ", [SETTINGS.budgetUsd]: Number.NaN, [SETTINGS.localOnly]: true }),
  );
  assert.equal(discoverOllama, true);
  assert.equal(config.modes.review, "debate", "a blank mode is the default mode");
  assert.equal(config.privacy.localOnly, true);
  assert.deepEqual(problems, [
    { key: SETTINGS.budgetUsd, message: "chorus.budgetUsd must be a number ≥ 0 (0 means no cap), not NaN; using the default." },
    { key: SETTINGS.discoverOllama, message: 'chorus.discoverOllama must be true or false, not "yes"; using the default.' },
  ]);
});
