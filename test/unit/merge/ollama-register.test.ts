// Registering a merged GGUF with Ollama, against a local server speaking Ollama's blobs + create API.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import * as path from "node:path";
import { registerWithOllama } from "../../../src/sidecar/merge/ollama-register";
import { startFakeOllamaCreate } from "../../fixtures/fake-ollama-create";
import { tempDir } from "./models";

const tmp = tempDir();
after(tmp.cleanup);
const model = path.join(tmp.dir, "merged.gguf");
writeFileSync(model, Buffer.concat([Buffer.from("GGUF"), Buffer.alloc(300_000, 7)]));
const digest = `sha256:${createHash("sha256").update(readFileSync(model)).digest("hex")}`;

void test("uploads the file once as a blob and creates the model from it", async () => {
  const ollama = await startFakeOllamaCreate();
  try {
    const statuses: string[] = [];
    await registerWithOllama(model, "my-merge:latest", { url: ollama.url, onStatus: (s) => statuses.push(s) });
    assert.equal(ollama.blobs.get(digest), 300_004);
    assert.deepEqual(ollama.created, [{ model: "my-merge:latest", files: { "merged.gguf": digest } }]);
    assert.ok(statuses.includes("success") && statuses.some((s) => s.startsWith("uploading")));
    // Again under another name: Ollama already has the blob, so nothing is uploaded.
    await registerWithOllama(model, "other", { url: ollama.url });
    assert.equal(ollama.uploads, 1);
    assert.equal(ollama.created.length, 2);
  } finally {
    await ollama.close();
  }
});

void test("says clearly when Ollama is not running, and refuses bad names and missing files", async () => {
  // A port that was just free: nothing listens there.
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  await assert.rejects(registerWithOllama(model, "m", { url: `http://127.0.0.1:${port}` }), /Ollama is not running at http:\/\/127\.0\.0\.1:\d+ — start it \(ollama serve\), or point Chorus at it: the chorus\.ollamaUrl setting, or --ollama-url/);
  await assert.rejects(registerWithOllama(model, "bad name!", { url: "http://127.0.0.1:1" }), /not a valid Ollama model name/);
  await assert.rejects(registerWithOllama(path.join(tmp.dir, "none.gguf"), "m", { url: "http://127.0.0.1:1" }), /the file does not exist/);
});

void test("a cancelled registration stops without creating the model", async () => {
  const ollama = await startFakeOllamaCreate();
  try {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(registerWithOllama(model, "m", { url: ollama.url, signal: ac.signal }), (e: Error) => e.name === "AbortError");
    assert.equal(ollama.created.length, 0);
  } finally {
    await ollama.close();
  }
});
