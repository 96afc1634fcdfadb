import assert from "node:assert/strict";
import { test } from "node:test";
import { callCost, ConfigError, isLocal, parseModelConfigs } from "../../../src/core/config";
import { parseConfigObject } from "../../../src/cli/config-file";
import { readRoutingSettings } from "../../../src/vscode/routing-settings";
import { readConfig } from "../../../src/vscode/settings";

void test("parses valid model entries", () => {
  const [m] = parseModelConfigs([
    { id: "x", provider: "openai", model: "gpt-4o-mini", endpoint: "https://api.example.com/v1", priceIn: 0.15, priceOut: 0.6, tags: ["cloud"] },
  ]);
  assert.equal(m?.id, "x");
  assert.equal(m && isLocal(m), false);
  assert.equal(m && callCost(m, 1_000_000, 1_000_000), 0.75);
});

void test("rejects bad entries with a message naming the field", () => {
  assert.throws(
    () => parseModelConfigs([{ id: "x", provider: "bogus", model: "m" }]),
    (e: Error) => e instanceof ConfigError && /provider/.test(e.message) && /\[0\]/.test(e.message),
  );
  assert.throws(() => parseModelConfigs([{ id: "x", provider: "ollama" }]), /"model" must be a non-empty string/);
  assert.throws(() => parseModelConfigs([{ id: "x", provider: "ollama", model: "m", priceIn: -1 }]), /priceIn/);
  assert.throws(() => parseModelConfigs([{ id: "x", provider: "ollama", model: "m", endpoint: "not a url" }]), /endpoint/);
  assert.throws(
    () =>
      parseModelConfigs([
        { id: "x", provider: "ollama", model: "m" },
        { id: "x", provider: "ollama", model: "n" },
      ]),
    /unique/,
  );
  assert.throws(() => parseModelConfigs({}), /list of models/);
});

void test("local unless an OpenAI-compatible endpoint or tagged cloud", () => {
  const [a, b, c] = parseModelConfigs([
    { id: "a", provider: "ollama", model: "m" },
    { id: "b", provider: "openai", model: "m", tags: ["local"] },
    { id: "c", provider: "ollama", model: "m", tags: ["cloud"] },
  ]);
  assert.deepEqual(
    [a, b, c].map((m) => m && isLocal(m)),
    [true, true, false],
  );
});

void test("CLI config file: defaults fill what is missing, bad values are named and replaced by their default", () => {
  const { config: c, problems } = parseConfigObject({ models: [{ id: "a", provider: "ollama", model: "m" }], modes: { ask: "route" } }, "chorus.json");
  assert.deepEqual(problems, []);
  assert.equal(c.modes.ask, "route");
  assert.equal(c.modes.completion, "single");
  assert.equal(c.ollamaUrl, "http://127.0.0.1:11434");
  const bad = parseConfigObject({ budgetUsd: "x", modes: { ask: "route" } }, "chorus.json");
  assert.equal(bad.config.budgetUsd, 0, "the default, not a crash");
  assert.equal(bad.config.modes.ask, "route", "the good values still apply");
  assert.deepEqual(bad.problems, ['chorus.json: "budgetUsd" must be a number ≥ 0 (0 means no cap), not "x"; using the default.']);
  assert.throws(() => parseConfigObject([], "chorus.json"), /JSON object/);
});

void test("CLI config file and VS Code settings are read by the same schema: same values, same defaults, same checks", () => {
  // Before, the CLI ignored routing.cascadeThreshold / cascadeRules* and read routing.learn: "no" as false.
  const routing = { strongShare: 0.8, cascadeThreshold: 0.7, cascadeRulesAsk: ["verify"], fallbackChain: [" b ", ""], learn: "no" };
  const file = parseConfigObject({ ollamaUrl: "http://10.0.0.2:11434/", privacy: { localOnly: true }, routing }, "chorus.json");
  const flat = Object.fromEntries([
    ["chorus.ollamaUrl", "http://10.0.0.2:11434/"],
    ["chorus.privacy.localOnly", true],
    ...Object.entries(routing).map(([k, v]) => [`chorus.routing.${k}`, v]),
  ]);
  const settings = readConfig({ get: <T>(k: string) => flat[k] as T | undefined });
  const routed = readRoutingSettings({ get: <T>(k: string) => flat[k] as T | undefined });
  assert.deepEqual(file.config, settings.config);
  assert.deepEqual(file.routing, routed.collab);
  assert.equal(file.routing.cascadeThreshold, 0.7);
  assert.deepEqual(file.routing.cascadeRules.ask, ["verify"]);
  assert.deepEqual(file.routing.fallbackChain, ["b"]);
  assert.equal(file.routing.learn, true, "a bad value keeps the default");
  assert.deepEqual(file.problems, ['chorus.json: "routing.learn" must be true or false, not "no"; using the default.']);
  assert.deepEqual(routed.problems, ['chorus.routing.learn must be true or false, not "no"; using the default.']);
  assert.deepEqual(settings.problems, []);
});

void test("reasoning-model settings: maxOutputTokens and reasoningEffort are read, bad values named", () => {
  const [m] = parseModelConfigs([{ id: "o3", provider: "openai", model: "o3-mini", maxOutputTokens: 16000, reasoningEffort: "low" }]);
  assert.equal(m?.maxOutputTokens, 16000);
  assert.equal(m?.reasoningEffort, "low");
  assert.throws(
    () => parseModelConfigs([{ id: "o3", provider: "openai", model: "o3-mini", maxOutputTokens: 0.5 }]),
    /"maxOutputTokens" must be a whole number/,
  );
  assert.throws(
    () => parseModelConfigs([{ id: "o3", provider: "openai", model: "o3-mini", reasoningEffort: "max" }]),
    /"reasoningEffort" must be minimal, low, medium or high/,
  );
});
