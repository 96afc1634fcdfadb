// What "Chorus: Merge Models…" offers: the configured model folders, the files behind the models the running
// sidecar serves (as its /v1/models names them), the workspace's; never a mixing preset or an adapted model.
import * as assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { mergeCandidates, servedModels } from "../../../src/vscode/merge-sources";

function file(path: string, bytes: number): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, Buffer.alloc(bytes));
  return path;
}

void test("merge candidates: configured folders always, served files by their path, Ollama models by Ollama's name", (t) => {
  const root = mkdtempSync(join(tmpdir(), "chorus-merge-sources-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const configured = file(join(root, "mine", "sub", "a.gguf"), 10);
  const demo = join(root, "demo", "ts-expert.gguf");
  const blob = join(root, "ollama", "blobs", `sha256-${"ab".repeat(32)}`);
  const found = mergeCandidates({
    modelFolders: [join(root, "mine")],
    served: [
      { id: "a", source: "folder", path: configured },
      { id: "ts-expert", source: "folder", path: demo },
      { id: "qwen:1b", source: "ollama", path: blob },
    ],
    workspaceFiles: [configured, join(root, "ws", "w.gguf")],
  });
  // Sorted by path, Ollama's blobs last; a file found twice is listed once, as its configured folder.
  assert.deepEqual(
    found.map((c) => [c.label, c.path, c.where]),
    [
      ["ts-expert.gguf", demo, `sidecar · ${dirname(demo)}`],
      ["a.gguf", configured, dirname(configured)],
      ["w.gguf", join(root, "ws", "w.gguf"), join(root, "ws")],
      ["qwen:1b", blob, "Ollama"],
    ],
  );
  // No sidecar running: the configured folders and the workspace still count.
  assert.deepEqual(
    mergeCandidates({ modelFolders: [join(root, "mine")], served: [], workspaceFiles: [] }).map((c) => c.path),
    [configured],
  );
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
          { id: "ts-expert", chorus: { kind: "model", source: "folder", size_bytes: 30, path: "/m/ts-expert.gguf" } },
          { id: "qwen:1b", chorus: { kind: "model", source: "ollama", size_bytes: 50, path: "/o/blobs/sha256-x" } },
          { id: "ts-lora", chorus: { kind: "model", source: "adapted", size_bytes: 60, path: "/m/ts-expert.gguf" } },
          { id: "old-sidecar", chorus: { kind: "model", source: "folder", size_bytes: 5 } },
        ],
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  assert.deepEqual(await servedModels({ url, token: "tok-123" }), [
    { id: "ts-expert", source: "folder", path: "/m/ts-expert.gguf" },
    { id: "qwen:1b", source: "ollama", path: "/o/blobs/sha256-x" },
  ]);
  assert.deepEqual(await servedModels({ url, token: "wrong" }), []);
  assert.deepEqual(await servedModels(undefined), []);
});
