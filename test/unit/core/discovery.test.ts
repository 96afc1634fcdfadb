// Whether Ollama answers decides what Chorus offers (after a merge: "Register with Ollama" only when it does). The
// check is the same /api/tags call discovery makes (Ollama's GET /api/tags, server/routes.go), one quick try.
import * as assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { discoverOllamaModels, ollamaAnswers } from "../../../src/core/discovery";
import { startFakeOllama } from "../../fixtures/fake-ollama";

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

void test("a running Ollama answers; a closed port does not, quickly and without throwing", async () => {
  const fake = await startFakeOllama({ models: ["qwen2.5-coder:1.5b"] });
  try {
    assert.equal(await ollamaAnswers(fake.url), true);
    assert.ok(fake.requests.some((r) => r.path === "/api/tags"));
    assert.equal((await discoverOllamaModels(fake.url))[0]?.model, "qwen2.5-coder:1.5b");
  } finally {
    await fake.close();
  }
  const url = `http://127.0.0.1:${await closedPort()}`;
  const t0 = Date.now();
  assert.equal(await ollamaAnswers(url), false);
  assert.ok(Date.now() - t0 < 5000, "no retries on a refused connection");
});

void test("a server that answers /api/tags with an error is not an Ollama to register with", async () => {
  const fake = await startFakeOllama({ fault: { kind: "status", status: 500, path: "/api/tags" } });
  try {
    assert.equal(await ollamaAnswers(fake.url), false);
  } finally {
    await fake.close();
  }
});
