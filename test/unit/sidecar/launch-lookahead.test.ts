// chorus.sidecar.lookahead from the settings to the sidecar's launch config: 0 means off (not "the default"), a bad
// value is reported and replaced by the default, and an absent one is the default.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_LOOKAHEAD } from "../../../src/sidecar/mixing/lookahead";
import { parseLaunchConfig } from "../../../src/sidecar/server/config";
import { sidecarLaunchSettings } from "../../../src/vscode/sidecar-settings";

const launched = (value: unknown) => {
  const source = { get: <T>(key: string) => (key === "chorus.sidecar.lookahead" ? (value as T) : undefined) };
  const raw = JSON.parse(JSON.stringify(sidecarLaunchSettings(source, { globalStorage: "/tmp/none", extensionRoot: "/tmp/none" }).config)) as unknown;
  return parseLaunchConfig(raw, 2);
};

void describe("chorus.sidecar.lookahead", () => {
  void it("reaches the launch config, 0 included", () => {
    assert.equal(launched(0).config.lookahead, 0);
    assert.equal(launched(7).config.lookahead, 7);
    assert.deepEqual(launched(7).problems, []);
  });

  void it("defaults to DEFAULT_LOOKAHEAD when unset, and names a bad value", () => {
    assert.equal(launched(undefined).config.lookahead, DEFAULT_LOOKAHEAD);
    for (const bad of [-1, 2.5, 17, "many"]) {
      const { config, problems } = launched(bad);
      assert.equal(config.lookahead, DEFAULT_LOOKAHEAD);
      assert.match(problems.join("\n"), /chorus\.sidecar\.lookahead must be a whole number from 0 to 16/);
    }
  });
});
