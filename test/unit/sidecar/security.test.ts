// Who may call the sidecar: no token → 401, a foreign Origin (a web page) → 403, a foreign Host (DNS rebinding)
// → 403; /health answers without the token and says nothing else; and after every refusal the sidecar still serves.

import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import { startFixture, type Fixture } from "./helpers";

let f: Fixture;
before(async () => {
  f = await startFixture();
});
after(async () => {
  await f?.close();
});

function call(
  path: string,
  headers: Record<string, string>,
  method = "GET",
  body?: string,
): Promise<{ status: number; json: unknown; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: f.sidecar.port, path, method, headers: { host: `127.0.0.1:${f.sidecar.port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined, headers: res.headers });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

const auth = () => ({ authorization: `Bearer ${f.token}` });
const message = (r: { json: unknown }) => (r.json as { error: { message: string; type: string } }).error;

async function stillServes() {
  const r = await call(
    "/v1/completions",
    { ...auth(), "content-type": "application/json" },
    "POST",
    JSON.stringify({ model: "ts-bigram", prompt: "a", max_tokens: 3, temperature: 0 }),
  );
  assert.equal(r.status, 200);
  assert.equal((r.json as { choices: { text: string }[] }).choices[0]!.text.length, 3);
}

void describe("sidecar access control", () => {
  void it("listens on 127.0.0.1 only", () => {
    assert.match(f.sidecar.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  void it("refuses a request without the token (401) and with a wrong one, then still serves", async () => {
    const none = await call("/v1/models", {});
    assert.equal(none.status, 401);
    assert.equal(message(none).type, "authentication_error");
    assert.match(message(none).message, /Bearer/);
    const wrong = await call("/v1/models", { authorization: `Bearer ${f.token}x` });
    assert.equal(wrong.status, 401);
    const post = await call("/v1/completions", { "content-type": "application/json" }, "POST", JSON.stringify({ model: "ts-bigram", prompt: "a" }));
    assert.equal(post.status, 401);
    await stillServes();
  });

  void it("refuses a foreign Origin (403) even with the token, then still serves", async () => {
    for (const origin of ["https://evil.example", "http://127.0.0.1:1", "null"]) {
      const r = await call("/v1/models", { ...auth(), origin });
      assert.equal(r.status, 403, origin);
      assert.match(message(r).message, /origin/i);
      assert.equal(r.headers["access-control-allow-origin"], undefined);
    }
    const own = await call("/v1/models", { ...auth(), origin: `http://localhost:${f.sidecar.port}` });
    assert.equal(own.status, 200);
    await stillServes();
  });

  void it("refuses a Host that is not its own (DNS rebinding) with 403, then still serves", async () => {
    for (const host of [`evil.example:${f.sidecar.port}`, "127.0.0.1:1", "localhost"]) {
      const r = await call("/v1/models", { ...auth(), host });
      assert.equal(r.status, 403, host);
      assert.match(message(r).message, /Host/);
    }
    const health = await call("/health", { host: `rebind.example:${f.sidecar.port}` });
    assert.equal(health.status, 403);
    await stillServes();
  });

  void it("answers /health without the token, revealing nothing else", async () => {
    const r = await call("/health", { host: `localhost:${f.sidecar.port}` });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { status: "ok" });
  });

  void it("answers an unknown route with a JSON 404 naming the routes it has", async () => {
    const r = await call("/v2/anything", auth());
    assert.equal(r.status, 404);
    assert.match(message(r).message, /\/v1\/completions/);
  });
});
