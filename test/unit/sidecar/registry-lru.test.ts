// The registry's memory budget over real loaded models: the least recently used idle model is unloaded to make
// room, a model in use is never unloaded under a request, and a model larger than the whole budget is refused
// with a message naming the setting to change.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ApiError } from "../../../src/sidecar/server/errors";
import { ModelRegistry, type RegistryOptions } from "../../../src/sidecar/registry/registry";
import { makeBigramModel } from "../../../src/sidecar/testmodels/bigram";
import { loadedModelBytes, PY_CORPUS, TS_CORPUS } from "./helpers";

let dir: string;
let modelBytes = 0;
const base = (): RegistryOptions => ({ folders: [dir], useOllama: false, memoryMb: 1024, threads: 1, gpu: false, maxContext: 256 });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorus-lru-"));
  await makeBigramModel({ corpus: TS_CORPUS, out: join(dir, "ts.gguf") });
  await makeBigramModel({ corpus: PY_CORPUS, out: join(dir, "py.gguf") });
  modelBytes = await loadedModelBytes(base(), "ts");
});
after(() => rmSync(dir, { recursive: true, force: true }));

void describe("model registry memory budget", () => {
  void it("unloads the least recently used idle model when the next one would not fit", async () => {
    const reg = new ModelRegistry({ ...base(), memoryMb: (modelBytes * 1.5) / (1024 * 1024) });
    try {
      (await reg.acquire("ts")).release();
      assert.deepEqual(reg.loadedIds(), ["ts"]);
      (await reg.acquire("py")).release();
      assert.deepEqual(reg.loadedIds(), ["py"]);
    } finally {
      await reg.dispose();
    }
  });

  void it("keeps both when both fit", async () => {
    const reg = new ModelRegistry({ ...base(), memoryMb: (modelBytes * 3) / (1024 * 1024) });
    try {
      (await reg.acquire("ts")).release();
      (await reg.acquire("py")).release();
      assert.deepEqual(reg.loadedIds().sort(), ["py", "ts"]);
    } finally {
      await reg.dispose();
    }
  });

  void it("never unloads a model that a request still holds", async () => {
    const reg = new ModelRegistry({ ...base(), memoryMb: (modelBytes * 1.5) / (1024 * 1024) });
    try {
      const held = await reg.acquire("ts");
      (await reg.acquire("py")).release();
      assert.deepEqual(reg.loadedIds().sort(), ["py", "ts"]);
      assert.equal(held.model.model.disposed, false);
      held.release();
    } finally {
      await reg.dispose();
    }
  });

  void it("refuses a model larger than the whole budget, naming the setting", async () => {
    const reg = new ModelRegistry({ ...base(), memoryMb: 0.01 });
    try {
      await assert.rejects(reg.acquire("ts"), (e: unknown) => {
        assert.ok(e instanceof ApiError);
        assert.equal(e.code, "model_too_large");
        assert.match(e.message, /chorus\.sidecar\.memoryMb/);
        return true;
      });
      assert.deepEqual(reg.loadedIds(), []);
    } finally {
      await reg.dispose();
    }
  });
});
