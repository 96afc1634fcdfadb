// A model file llama.cpp cannot open is listed with the reason before any request tries it (issue #18, item 5).
// The case users meet: Ollama's gemma3 blobs lack gemma3.attention.layer_norm_rms_epsilon, which llama.cpp's
// loader requires (src/llama-model.cpp load_hparams, LLM_ARCH_GEMMA3; ggml-org/llama.cpp#12367), while Ollama's
// own engine runs them with a default (ollama/ollama#9857).

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { findLlamaProblems } from "../../../src/sidecar/gguf/validate";
import { OLLAMA_MODEL_LAYER } from "../../../src/sidecar/registry/ollama-store";
import { writeGemma3Export } from "../../../src/sidecar/testmodels/ollama-gemma3";
import { type Fixture, refusal, startFixture } from "./helpers";

interface Listed {
  id: string;
  chorus: { unusable?: string; loaded?: boolean };
}

let store: string;
let f: Fixture;

/** Puts `file` in the store as Ollama does: a sha256-named blob and a manifest naming it as the model layer. */
function addToStore(file: string, name: string): void {
  const digest = createHash("sha256").update(readFileSync(file)).digest("hex");
  copyFileSync(file, join(store, "blobs", `sha256-${digest}`));
  const dir = join(store, "manifests", "registry.ollama.ai", "library", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "latest"), JSON.stringify({ schemaVersion: 2, layers: [{ mediaType: OLLAMA_MODEL_LAYER, digest: `sha256:${digest}`, size: 1 }] }));
}

before(async () => {
  store = mkdtempSync(join(tmpdir(), "chorus-ollama-gemma3-"));
  mkdirSync(join(store, "blobs"));
  f = await startFixture({ useOllamaModels: true, ollamaDir: store }, async (dir) => {
    await writeGemma3Export(join(dir, "ts-bigram.gguf"), join(dir, "gemma3-export.gguf"));
    await writeGemma3Export(join(dir, "ts-bigram.gguf"), join(dir, "gemma3-complete.gguf"), true);
    addToStore(join(dir, "gemma3-export.gguf"), "gemma3-export");
    addToStore(join(dir, "ts-bigram.gguf"), "tiny-coder");
  });
});
after(async () => {
  await f.close();
  rmSync(store, { recursive: true, force: true });
});

void describe("files llama.cpp cannot open are listed as unusable before any request", () => {
  void it("finds the missing gemma3 key in the header, and nothing in the same file with the key", async () => {
    const problems = await findLlamaProblems(join(f.dir, "gemma3-export.gguf"));
    assert.equal(problems.length, 1, problems.join("\n"));
    assert.match(problems[0]!, /^gemma3\.attention\.layer_norm_rms_epsilon is missing \(Ollama's gemma3 exports lack it.*converted by llama\.cpp/);
    assert.deepEqual(await findLlamaProblems(join(f.dir, "gemma3-complete.gguf")), []);
  });

  void it("lists the Ollama export with the reason on the first /v1/models, before it is ever requested", async () => {
    const data = (await f.client.models.list()).data as unknown as Listed[];
    const gemma = data.find((m) => m.id === "gemma3-export:latest");
    assert.ok(gemma, data.map((m) => m.id).join(", "));
    assert.match(gemma.chorus.unusable ?? "", /gemma3\.attention\.layer_norm_rms_epsilon is missing/);
    assert.equal(gemma.chorus.loaded, false);
    // The good blob beside it is listed as usable, and no model was loaded to find this out.
    const good = data.find((m) => m.id === "tiny-coder:latest");
    assert.ok(good && good.chorus.unusable === undefined);
    assert.deepEqual(f.sidecar.registry.loadedIds(), []);
  });

  void it("refuses a request for it with the same reason, and still serves the good model", async () => {
    const e = await refusal(f, "gemma3-export:latest");
    assert.equal(e.status, 422);
    assert.equal(e.code, "model_invalid");
    assert.match(e.message, /layer_norm_rms_epsilon is missing/);
    const c = await f.client.completions.create({ model: "tiny-coder:latest", prompt: "a", max_tokens: 2, temperature: 0 });
    assert.equal(c.choices[0]!.text.length, 2);
  });

  void it("lists a file again as usable once it is replaced by a good one", async () => {
    const blob = join(store, "blobs", blobOf("gemma3-export"));
    copyFileSync(join(f.dir, "ts-bigram.gguf"), blob);
    const data = (await f.client.models.list()).data as unknown as Listed[];
    assert.equal(data.find((m) => m.id === "gemma3-export:latest")?.chorus.unusable, undefined);
  });
});

/** The blob file name a manifest points at. */
function blobOf(name: string): string {
  const manifest = JSON.parse(readFileSync(join(store, "manifests", "registry.ollama.ai", "library", name, "latest"), "utf8")) as {
    layers: { digest: string }[];
  };
  return manifest.layers[0]!.digest.replace(":", "-");
}
