// chorus.sidecar.* from the settings, through the launch JSON, to the sidecar's LaunchConfig: the extension passes
// the values on as written and the sidecar's one schema (src/sidecar/server/config.ts) checks them, so a bad value
// is named once, with its setting, and replaced by its default while the others still apply.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultThreads, parseLaunchConfig, SIDECAR_DEFAULTS } from "../../../src/sidecar/server/config";
import { sidecarLaunchSettings } from "../../../src/vscode/sidecar-settings";

const paths = { globalStorage: "/tmp/chorus-none", extensionRoot: "/tmp/chorus-none" };
const launched = (settings: Record<string, unknown>) => {
  const source = { get: <T>(key: string) => settings[key] as T | undefined };
  const gathered = sidecarLaunchSettings(source, paths);
  return { gathered, ...parseLaunchConfig(JSON.parse(JSON.stringify(gathered.config)) as unknown, 6) };
};

void describe("sidecar launch settings", () => {
  void it("nothing set: the defaults, the demo models on, no problems", () => {
    const { gathered, config, problems } = launched({});
    assert.equal(gathered.enabled, true);
    assert.deepEqual(problems, []);
    assert.deepEqual(gathered.problems, []);
    assert.equal(config.memoryMb, SIDECAR_DEFAULTS.memoryMb);
    assert.equal(config.threads, defaultThreads(6));
    assert.equal(config.gpu, "auto");
    assert.equal(config.useOllamaModels, true);
    assert.equal(config.demoCacheDir, paths.globalStorage);
  });

  void it("good values reach the sidecar; threads 0 means automatic, gpu false turns the GPU off", () => {
    const { config, problems } = launched({
      "chorus.sidecar.memoryMb": 2048,
      "chorus.sidecar.threads": 0,
      "chorus.sidecar.gpu": false,
      "chorus.sidecar.useOllamaModels": false,
      "chorus.sidecar.modelFolders": ["/models", " "],
      "chorus.sidecar.demoModels": false,
    });
    assert.deepEqual(problems, []);
    assert.equal(config.memoryMb, 2048);
    assert.equal(config.threads, defaultThreads(6));
    assert.equal(config.gpu, false);
    assert.equal(config.useOllamaModels, false);
    assert.deepEqual(config.modelFolders, ["/models"]);
    assert.equal(config.demoCacheDir, undefined);
  });

  void it("bad values: each named with its setting and replaced by its default, the rest kept", () => {
    const { gathered, config, problems } = launched({
      "chorus.sidecar.enabled": "yes",
      "chorus.sidecar.memoryMb": 10,
      "chorus.sidecar.threads": 2.5,
      "chorus.sidecar.gpu": "cuda",
      "chorus.sidecar.modelFolders": "/models",
      "chorus.sidecar.lookahead": 3,
    });
    assert.equal(gathered.enabled, true);
    assert.deepEqual(gathered.problems, ['chorus.sidecar.enabled must be true or false, not "yes"; using the default.']);
    assert.equal(config.memoryMb, SIDECAR_DEFAULTS.memoryMb);
    assert.equal(config.threads, defaultThreads(6));
    assert.equal(config.gpu, "auto");
    assert.deepEqual(config.modelFolders, []);
    assert.equal(config.lookahead, 3);
    assert.deepEqual(problems, [
      'chorus.sidecar.modelFolders must be a list of folder paths, not "/models"; using the default.',
      "chorus.sidecar.memoryMb must be a whole number from 64 to 1048576, not 10; using the default.",
      "chorus.sidecar.threads must be a whole number from 1 to 256, not 2.5; using the default.",
      'chorus.sidecar.gpu must be true or false, not "cuda"; using the default.',
    ]);
  });

  void it("a launch JSON that is not an object: the defaults, and a problem saying so", () => {
    const { config, problems } = parseLaunchConfig([1, 2], 2);
    assert.equal(config.memoryMb, SIDECAR_DEFAULTS.memoryMb);
    assert.match(problems[0] ?? "", /must be a JSON object/);
  });
});
