// The mixer cache over real models: a preset's mixer is reused between requests, a full cache gives the oldest
// idle mixer back (disposing it and releasing its models), and registry memory pressure empties it of idle mixers.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Mixer } from "../../../src/sidecar/mixing/mixer";
import { parseMixSpec } from "../../../src/sidecar/mixing/spec";
import { ModelRegistry, type RegistryOptions } from "../../../src/sidecar/registry/registry";
import { MixerCache } from "../../../src/sidecar/server/mixer-cache";
import { makeBigramModel } from "../../../src/sidecar/testmodels/bigram";
import { loadedModelBytes, PY_CORPUS, TS_CORPUS } from "./helpers";

let dir: string;
let modelBytes = 0;
const base = (): RegistryOptions => ({ folders: [dir], useOllama: false, memoryMb: 1024, threads: 1, gpu: false, maxContext: 256 });
const product = parseMixSpec({
  strategy: "product",
  models: [
    { model: "ts", weight: 1 },
    { model: "py", weight: 1 },
  ],
});
const contrastive = parseMixSpec({ strategy: "contrastive", expert: "ts", amateur: "py" });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorus-mixcache-"));
  for (const [name, corpus] of [
    ["ts", TS_CORPUS],
    ["py", PY_CORPUS],
    ["third", TS_CORPUS + PY_CORPUS],
  ] as const)
    await makeBigramModel({ corpus, out: join(dir, `${name}.gguf`) });
  modelBytes = await loadedModelBytes(base(), "ts");
});
after(() => rmSync(dir, { recursive: true, force: true }));

const users = async (reg: ModelRegistry, id: string) => {
  const lease = await reg.acquire(id);
  const n = lease.model.users - 1;
  lease.release();
  return n;
};

void describe("mixer cache", () => {
  void it("reuses a preset's mixer between requests and keeps its models held meanwhile", async () => {
    const reg = new ModelRegistry(base());
    const cache = new MixerCache(reg);
    try {
      let first: Mixer | undefined;
      await cache.use(product, async (m) => void (first = m));
      await cache.use(product, async (m) => assert.equal(m, first));
      assert.equal(await users(reg, "ts"), 1);
    } finally {
      await cache.dispose();
      await reg.dispose();
    }
  });

  void it("gives the oldest idle mixer back when full, releasing its models", async () => {
    const reg = new ModelRegistry(base());
    const cache = new MixerCache(reg, { maxEntries: 1 });
    try {
      let old: Mixer | undefined;
      await cache.use(product, async (m) => void (old = m));
      await cache.use(contrastive, async () => undefined);
      await assert.rejects(old!.generate({ prompt: "a", maxTokens: 1 }), /disposed/);
      // Only the contrastive mixer holds ts and py now (one lease each).
      assert.equal(await users(reg, "ts"), 1);
    } finally {
      await cache.dispose();
      await reg.dispose();
    }
  });

  void it("lets go of idle mixers when the registry needs room for another model", async () => {
    const reg = new ModelRegistry({ ...base(), memoryMb: (modelBytes * 2.5) / (1024 * 1024) });
    const cache = new MixerCache(reg);
    try {
      let held: Mixer | undefined;
      await cache.use(product, async (m) => void (held = m));
      assert.deepEqual(reg.loadedIds().sort(), ["py", "ts"]);
      (await reg.acquire("third")).release();
      assert.ok(reg.loadedIds().includes("third"));
      assert.ok(reg.loadedIds().length <= 2, reg.loadedIds().join(", "));
      await assert.rejects(held!.generate({ prompt: "a", maxTokens: 1 }), /disposed/);
    } finally {
      await cache.dispose();
      await reg.dispose();
    }
  });
});
