// Ollama's local store, read without Ollama: a fake store with manifests pointing at blobs (one of them a real
// generated GGUF) is found, named as Ollama names it, served, and its broken manifests are reported, not fatal.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { readGgufHeader } from "../../../src/sidecar/gguf/reader";
import { findOllamaModels, OLLAMA_ADAPTER_LAYER, OLLAMA_MODEL_LAYER, ollamaStoreDir } from "../../../src/sidecar/registry/ollama-store";
import { tokenBoostTarget, writeLoraAdapter } from "../../../src/sidecar/testmodels/lora";
import { startFixture, type Fixture } from "./helpers";

let store: string;
let f: Fixture;
let digest: string;

function manifest(registry: string, ns: string, name: string, tag: string, content: unknown) {
  const dir = join(store, "manifests", registry, ns, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, tag), typeof content === "string" ? content : JSON.stringify(content));
}

before(async () => {
  store = mkdtempSync(join(tmpdir(), "chorus-ollama-"));
  f = await startFixture({}, async (dir) => {
    const gguf = join(dir, "ts-bigram.gguf");
    digest = createHash("sha256").update(readFileSync(gguf)).digest("hex");
    mkdirSync(join(store, "blobs"), { recursive: true });
    copyFileSync(gguf, join(store, "blobs", `sha256-${digest}`));
    const layers = [
      { mediaType: "application/vnd.ollama.image.template", digest: `sha256:${"1".repeat(64)}`, size: 10 },
      { mediaType: OLLAMA_MODEL_LAYER, digest: `sha256:${digest}`, size: 1 },
    ];
    manifest("registry.ollama.ai", "library", "tiny-coder", "latest", { schemaVersion: 2, layers });
    manifest("registry.ollama.ai", "someone", "tiny-coder", "q8", { schemaVersion: 2, layers });
    manifest("hf.co", "org", "model", "v1", { schemaVersion: 2, layers });
    manifest("registry.ollama.ai", "library", "gone", "latest", { layers: [{ mediaType: OLLAMA_MODEL_LAYER, digest: `sha256:${"a".repeat(64)}` }] });
    manifest("registry.ollama.ai", "library", "evil", "latest", { layers: [{ mediaType: OLLAMA_MODEL_LAYER, digest: "sha256:../../etc/passwd" }] });
    manifest("registry.ollama.ai", "library", "garbled", "latest", "{nope");
    // `ollama create` with a Modelfile `FROM tiny-coder` + `ADAPTER boost.gguf` adds an adapter layer.
    const [dim = 0, vocabSize = 0] = (await readGgufHeader(gguf)).tensors.find((t) => t.name === "output.weight")!.dims;
    const lora = join(dir, "boost.gguf");
    await writeLoraAdapter({ out: lora, alpha: 1, targets: [tokenBoostTarget({ dim, vocabSize }, "Z".charCodeAt(0), 40)] });
    const loraDigest = createHash("sha256").update(readFileSync(lora)).digest("hex");
    copyFileSync(lora, join(store, "blobs", `sha256-${loraDigest}`));
    const adapter = { mediaType: OLLAMA_ADAPTER_LAYER, digest: `sha256:${loraDigest}`, size: 1 };
    manifest("registry.ollama.ai", "library", "tiny-z", "latest", { schemaVersion: 2, layers: [...layers, adapter] });
    manifest("registry.ollama.ai", "library", "tiny-lost-adapter", "latest", {
      schemaVersion: 2,
      layers: [...layers, { ...adapter, digest: `sha256:${"b".repeat(64)}` }],
    });
  });
  await f.close(); // only the generated GGUF was needed; each test starts what it uses
});
after(() => {
  rmSync(store, { recursive: true, force: true });
});

void describe("Ollama store lookup", () => {
  void it("maps each manifest's model layer to its blob and names models as Ollama does", () => {
    const { models, problems } = findOllamaModels(store);
    const names = models.map((m) => m.name).sort();
    assert.deepEqual(names, ["hf.co/org/model:v1", "someone/tiny-coder:q8", "tiny-coder:latest", "tiny-z:latest"]);
    const tiny = models.find((m) => m.name === "tiny-coder:latest")!;
    assert.equal(tiny.path, join(store, "blobs", `sha256-${digest}`));
    assert.ok(tiny.sizeBytes > 1000);
    const z = models.find((m) => m.name === "tiny-z:latest")!;
    assert.equal(z.adapters?.length, 1);
    assert.ok(z.sizeBytes > tiny.sizeBytes);
    assert.equal(problems.length, 4);
    assert.ok(problems.some((p) => /tiny-lost-adapter:latest/.test(p) && /LoRA adapter \(ADAPTER\) blob .* is missing/.test(p)));
    assert.ok(problems.some((p) => /gone:latest/.test(p) && /missing/.test(p) && /ollama pull/.test(p)));
    assert.ok(problems.some((p) => /evil:latest/.test(p) && /sha256/.test(p)));
    assert.ok(problems.some((p) => /garbled:latest/.test(p) && /JSON/.test(p)));
  });

  void it("honours OLLAMA_MODELS, else ~/.ollama/models", () => {
    assert.equal(ollamaStoreDir({ OLLAMA_MODELS: "/srv/ollama" }), "/srv/ollama");
    assert.match(ollamaStoreDir({}), /\.ollama[/\\]models$/);
  });

  void it("serves a model from the store through the API", async () => {
    const g = await startFixture({ useOllamaModels: true, ollamaDir: store });
    try {
      const ids = (await g.client.models.list()).data.map((m) => m.id);
      assert.ok(ids.includes("tiny-coder:latest"), ids.join(", "));
      const fromStore = await g.client.completions.create({ model: "tiny-coder:latest", prompt: "return ", max_tokens: 8, temperature: 0 });
      const fromFolder = await g.client.completions.create({ model: "ts-bigram", prompt: "return ", max_tokens: 8, temperature: 0 });
      assert.equal(fromStore.choices[0]!.text, fromFolder.choices[0]!.text);
      // The ADAPTER layer is applied (scale 1, as Ollama passes --lora): its +40 on "Z" makes every next token Z.
      const adapted = await g.client.completions.create({ model: "tiny-z:latest", prompt: "return ", max_tokens: 8, temperature: 0 });
      assert.equal(adapted.choices[0]!.text, "ZZZZZZZZ");
    } finally {
      await g.close();
    }
  });
});
