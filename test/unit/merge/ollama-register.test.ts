// Registering a merged GGUF with Ollama, against a local server speaking Ollama's blobs + create API.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import * as path from "node:path";
import { parseOllamaParameters, registerWithOllama } from "../../../src/sidecar/merge/ollama-register";
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
  await assert.rejects(
    registerWithOllama(model, "m", { url: `http://127.0.0.1:${port}` }),
    /Ollama is not running at http:\/\/127\.0\.0\.1:\d+ — start it \(ollama serve\), or point Chorus at it: the chorus\.ollamaUrl setting, or --ollama-url/,
  );
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

// A merged coder must keep what made its source work in Ollama: the template with .Suffix (that is what gives
// "insert", server/images.go) and the stop parameters. /api/show prints parameters as Modelfile lines; /api/create
// takes a map (api/types.go CreateRequest.Parameters), with the repeated stop as a list.
const QWEN_CODER = {
  template:
    "{{- if .Suffix }}<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>{{- else }}<|im_start|>user\n{{ .Prompt }}<|im_end|>\n<|im_start|>assistant\n{{- end }}",
  parameters:
    'stop                           "<|endoftext|>"\nstop                           "<|im_end|>"\ntemperature                    0.2\nnum_ctx                        8192',
  system: "You are a coding assistant.",
};

void test("a merged model keeps its source's template, parameters and system prompt, so it keeps FIM and chat", async () => {
  const ollama = await startFakeOllamaCreate({ "qwen2.5-coder:1.5b": QWEN_CODER });
  try {
    await registerWithOllama(model, "coder-merge", { url: ollama.url, like: "qwen2.5-coder:1.5b" });
    const [created] = ollama.created;
    assert.equal(created?.template, QWEN_CODER.template, "the FIM template (with .Suffix) is kept");
    assert.deepEqual(created?.parameters, { stop: ["<|endoftext|>", "<|im_end|>"], temperature: 0.2, num_ctx: 8192 });
    assert.equal(created?.system, QWEN_CODER.system);
  } finally {
    await ollama.close();
  }
});

void test("a source model Ollama does not have is refused before the upload, saying what to do", async () => {
  const ollama = await startFakeOllamaCreate();
  try {
    await assert.rejects(
      registerWithOllama(model, "m", { url: ollama.url, like: "missing:7b" }),
      /cannot keep the template of "missing:7b": Ollama says .*not found.* — pull it first/,
    );
    assert.equal(ollama.uploads, 0);
    assert.equal(ollama.created.length, 0);
  } finally {
    await ollama.close();
  }
});

void test("parameters as /api/show prints them become /api/create's map", () => {
  assert.deepEqual(parseOllamaParameters('stop "a b"\nstop "<|x|>"\ntop_k 40\npenalize_newline false\nmirostat_tau 5.5'), {
    stop: ["a b", "<|x|>"],
    top_k: 40,
    penalize_newline: false,
    mirostat_tau: 5.5,
  });
});
