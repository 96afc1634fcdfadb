// Finding node-llama-cpp outside the bundle's node_modules (a packaged extension's runtime folder), and the
// message that says how to install it when it is nowhere.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { entryIn, loadNodeLlamaCpp, NODE_LLAMA_CPP_VERSION } from "../../../src/sidecar/registry/load-llama-lib";

const dir = mkdtempSync(join(tmpdir(), "chorus-runtime-"));
after(() => rmSync(dir, { recursive: true, force: true }));

void describe("loading node-llama-cpp", () => {
  void it("loads it from a runtime folder's node_modules", async () => {
    const runtime = join(dir, "runtime");
    mkdirSync(join(runtime, "node_modules"), { recursive: true });
    symlinkSync(join(import.meta.dirname, "../../../node_modules/node-llama-cpp"), join(runtime, "node_modules", "node-llama-cpp"), "dir");
    const lib = await loadNodeLlamaCpp({ runtimeDir: runtime, tryBare: false });
    assert.equal(typeof lib.getLlama, "function");
    assert.equal(dirname(dirname(entryIn(runtime))), join(runtime, "node_modules", "node-llama-cpp"));
  });

  void it("says how to install it when the runtime folder is empty", async () => {
    const empty = join(dir, "empty");
    await assert.rejects(loadNodeLlamaCpp({ runtimeDir: empty, tryBare: false }), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.match(e.message, new RegExp(`npm install --prefix "${empty.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}" node-llama-cpp@${NODE_LLAMA_CPP_VERSION}`));
      return true;
    });
  });
});
