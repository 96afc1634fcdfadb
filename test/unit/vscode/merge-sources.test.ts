// What "Chorus: Merge Models…" offers: the configured model folders, the files behind the models the running
// sidecar serves (its demo folder, Ollama's store) matched by name and size, the workspace's; never a mixing preset.
import * as assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { demoFolder } from "../../../src/sidecar/demo";
import { demoCaches, mergeCandidates, servedModels } from "../../../src/vscode/merge-sources";

function file(path: string, bytes: number): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, Buffer.alloc(bytes));
  return path;
}

void test("merge candidates: configured folders always, served files by name and size, Ollama by its name", (t) => {
  const root = mkdtempSync(join(tmpdir(), "chorus-merge-sources-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const configured = file(join(root, "mine", "sub", "a.gguf"), 10);
  const caches = demoCaches({ globalStorage: join(root, "storage"), extensionRoot: join(root, "ext") }, { XDG_CACHE_HOME: join(root, "xdg") });
  // The same demo model name in two caches: the served size says which file the sidecar loads.
  const stale = file(join(demoFolder(caches[0]!), "ts-expert.gguf"), 20);
  const served = file(join(demoFolder(caches[2]!), "ts-expert.gguf"), 30);
  const unserved = file(join(demoFolder(caches[1]!), "general.gguf"), 40);
  const digest = "ab".repeat(32);
  const blob = file(join(root, "ollama", "blobs", `sha256-${digest}`), 50);
  file(join(root, "ollama", "manifests", "registry.ollama.ai", "library", "qwen", "1b"), 0);
  writeFileSync(join(root, "ollama", "manifests", "registry.ollama.ai", "library", "qwen", "1b"), JSON.stringify({ layers: [{ mediaType: "application/vnd.ollama.image.model", digest: `sha256:${digest}` }] }));

  const found = mergeCandidates({
    modelFolders: [join(root, "mine")],
    served: [
      { id: "a", source: "folder", sizeBytes: 10 },
      { id: "ts-expert", source: "folder", sizeBytes: 30 },
      { id: "qwen:1b", source: "ollama", sizeBytes: 50 },
    ],
    demoCaches: caches,
    ollamaStore: join(root, "ollama"),
    workspaceFiles: [configured, join(root, "ws", "w.gguf")],
  });
  // Sorted by path, Ollama's blobs last; a file found twice is listed once.
  assert.deepEqual(
    found.map((c) => [c.label, c.path, c.where]),
    [
      ["ts-expert.gguf", served, `sidecar · ${dirname(served)}`],
      ["a.gguf", configured, dirname(configured)],
      ["w.gguf", join(root, "ws", "w.gguf"), join(root, "ws")],
      ["qwen:1b", blob, "Ollama"],
    ],
  );
  assert.ok(!found.some((c) => c.path === stale || c.path === unserved));

  // No sidecar running: the configured folders and the workspace still count.
  const offline = mergeCandidates({ modelFolders: [join(root, "mine")], served: [], demoCaches: caches, ollamaStore: join(root, "ollama"), workspaceFiles: [] });
  assert.deepEqual(offline.map((c) => c.path), [configured]);
});

void test("served models: file-backed ones from /v1/models, not mixing presets or adapted models; none when unreachable", async (t) => {
  const server = createServer((req, res) => {
    if (req.headers.authorization !== "Bearer tok-123") return void res.writeHead(401).end();
    res.setHeader("content-type", "application/json");
    res.end(
      JSON.stringify({
        object: "list",
        data: [
          { id: "chorus/poe-ts-py", chorus: { kind: "virtual", strategy: "product" } },
          { id: "ts-expert", chorus: { kind: "model", source: "folder", size_bytes: 30 } },
          { id: "qwen:1b", chorus: { kind: "model", source: "ollama", size_bytes: 50 } },
          { id: "ts-lora", chorus: { kind: "model", source: "adapted", size_bytes: 60 } },
        ],
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  assert.deepEqual(await servedModels({ url, token: "tok-123" }), [
    { id: "ts-expert", source: "folder", sizeBytes: 30 },
    { id: "qwen:1b", source: "ollama", sizeBytes: 50 },
  ]);
  assert.deepEqual(await servedModels({ url, token: "wrong" }), []);
  assert.deepEqual(await servedModels(undefined), []);
});
