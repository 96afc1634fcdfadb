import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { defaultConfig } from "../../../src/core/config";
import { readConfig, SETTINGS } from "../../../src/vscode/settings";

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
