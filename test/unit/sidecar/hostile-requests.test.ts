// Requests that could hurt every client of the sidecar: a body nested 100,000 deep, a malformed %-escape, text that
// drives a terminal, a body trickled a byte at a time. Each gets a 4xx (never a 5xx), no socket is held open, and
// the sidecar still serves afterwards (issue #22, item 3).

import assert from "node:assert/strict";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { startFixture, type Fixture } from "./helpers";

let f: Fixture;
const REQUEST_TIMEOUT_MS = 1_500;
before(async () => {
  f = await startFixture({ requestTimeoutMs: REQUEST_TIMEOUT_MS });
});
after(async () => {
  await f?.close();
});

interface Reply {
  status: number;
  text: string;
}

function call(path: string, method = "GET", body?: string): Promise<Reply> {
  const headers = { host: `127.0.0.1:${f.sidecar.port}`, authorization: `Bearer ${f.token}`, "content-type": "application/json" };
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: f.sidecar.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const errorMessage = (r: Reply) => (JSON.parse(r.text) as { error: { message: string } }).error.message;
const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const completion = (fields: Record<string, string>) =>
  `{"model":"ts-bigram","prompt":"a","max_tokens":2${Object.entries(fields)
    .map(([k, v]) => `,"${k}":${v}`)
    .join("")}}`;

async function stillServes() {
  const r = await call("/v1/completions", "POST", JSON.stringify({ model: "ts-bigram", prompt: "a", max_tokens: 3, temperature: 0 }));
  assert.equal(r.status, 200, r.text);
}

/** A raw connection that sends `head` and then one body byte every `everyMs`; resolves with what came back and when the socket closed. */
function trickle(head: string, everyMs: number, giveUpMs: number): Promise<{ reply: string; closedAfterMs: number | undefined }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket: Socket = connect(f.sidecar.port, "127.0.0.1");
    let reply = "";
    socket.on("data", (d: Buffer) => (reply += d.toString("utf8")));
    socket.on("error", () => undefined);
    socket.write(head);
    const drip = setInterval(() => socket.writable && socket.write("1"), everyMs);
    const finish = (closedAfterMs: number | undefined) => {
      clearInterval(drip);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ reply, closedAfterMs });
    };
    const giveUp = setTimeout(() => finish(undefined), giveUpMs);
    socket.on("close", () => finish(Date.now() - started));
  });
}

void describe("hostile requests", () => {
  // V8's JSON.stringify recurses: quoting a value nested 100,000 deep in an error message overflowed the stack and
  // answered 500. The message now quotes a bounded snippet (src/core/quote.ts quoteValue).
  void it("a field nested 100,000 deep gets a 400 naming the field, not a 500", async () => {
    for (const [field, value] of [
      ["temperature", nested(100_000)],
      ["max_tokens", `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`],
      ["seed", nested(100_000)],
    ] as const) {
      const r = await call("/v1/completions", "POST", completion({ [field]: value }));
      assert.equal(r.status, 400, `${field}: ${r.text.slice(0, 200)}`);
      assert.match(errorMessage(r), new RegExp(`"${field}" must be`));
      assert.ok(errorMessage(r).length < 400, "the bad value is quoted, not copied whole");
    }
    const chat = await call("/v1/chat/completions", "POST", `{"model":"ts-bigram","messages":[{"role":${nested(100_000)},"content":"hi"}]}`);
    assert.equal(chat.status, 400, chat.text.slice(0, 200));
    assert.match(errorMessage(chat), /role must be/);
    await stillServes();
  });

  void it("no field of either route answers 5xx for a value nested 100,000 deep", async () => {
    const fields = [
      "model",
      "prompt",
      "suffix",
      "max_tokens",
      "max_completion_tokens",
      "temperature",
      "top_p",
      "seed",
      "stop",
      "n",
      "stream",
      "stream_options",
      "logprobs",
      "top_logprobs",
      "echo",
      "truncate_prompt_tokens",
      "chorus",
      "messages",
    ];
    for (const route of ["/v1/completions", "/v1/chat/completions"])
      for (const field of fields)
        for (const value of [nested(100_000), `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`]) {
          const base: Record<string, string> = {
            model: '"ts-bigram"',
            max_tokens: "2",
            ...(route.endsWith("chat/completions") ? { messages: '[{"role":"user","content":"hi"}]' } : { prompt: '"a"' }),
            [field]: value,
          };
          const r = await call(
            route,
            "POST",
            `{${Object.entries(base)
              .map(([k, v]) => `"${k}":${v}`)
              .join(",")}}`,
          );
          // Refused (4xx), or accepted where the field is one the sidecar ignores (echo) or reads as an object.
          assert.ok(r.status < 500, `${route} ${field}: ${r.status} ${r.text.slice(0, 200)}`);
        }
    await stillServes();
  });

  // decodeURIComponent throws URIError on a malformed escape; it answered 500.
  void it("a model id with malformed percent-encoding gets a 400, not a 500", async () => {
    for (const id of ["%E0%A4%A", "%", "abc%zz"]) {
      const r = await call(`/v1/models/${id}`);
      assert.equal(r.status, 400, `${id}: ${r.text}`);
      assert.match(errorMessage(r), /percent-encoding/);
    }
    await stillServes();
  });

  void it("text a client sends is quoted escaped and capped: no terminal escapes, no megabyte messages", async () => {
    // ESC ] 0 ; … BEL retitles a terminal window; ESC [ 2 J clears the screen.
    const r = await call(`/v1/models/${encodeURIComponent("\u001b]0;pwned\u0007\u001b[2Jx")}`);
    assert.equal(r.status, 404);
    const m = errorMessage(r);
    assert.doesNotMatch(m, /[\u0000-\u001f]/);
    assert.match(m, /\\x1b\]0;pwned\\x07\\x1b\[2Jx/);
    const huge = await call("/v1/completions", "POST", JSON.stringify({ model: "m".repeat(1_000_000), prompt: "a" }));
    assert.equal(huge.status, 404);
    assert.ok(errorMessage(huge).length <= 1100, `a 1 MB model name gave a ${errorMessage(huge).length}-character message`);
    assert.match(errorMessage(huge), /characters cut/);
  });

  // server.requestTimeout was 0: a body sent one byte every few seconds held its socket forever. With a timeout,
  // Node answers 408 and closes the connection once receiving the request has taken that long (nodejs/node commit
  // 753f3b2 "http: add requestTimeout", CVE-2020-8251; checked by lib/_http_server.js checkConnections).
  void it("a body trickled a byte at a time is cut off with 408 once the request timeout passes", async () => {
    const head = `POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1:${f.sidecar.port}\r\nAuthorization: Bearer ${f.token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`;
    const r = await trickle(head, 200, REQUEST_TIMEOUT_MS + 4_000);
    assert.ok(r.closedAfterMs !== undefined, "the socket was still open");
    assert.match(r.reply, /^HTTP\/1\.1 408/);
    assert.ok(r.closedAfterMs >= REQUEST_TIMEOUT_MS - 100, `closed after ${r.closedAfterMs} ms`);
    await stillServes();
  });

  // Node cancels the request timeout once the response is complete, even when the handler answered without reading
  // the body (commit 753f3b2), and then drains the unread body to keep the connection alive, at the client's pace.
  void it("a refused request (401) with a body still coming is answered and closed at once", async () => {
    const head = `POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1:${f.sidecar.port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`;
    const r = await trickle(head, 200, REQUEST_TIMEOUT_MS + 4_000);
    assert.match(r.reply, /^HTTP\/1\.1 401/);
    assert.match(r.reply, /connection: close/i);
    assert.ok(r.closedAfterMs !== undefined && r.closedAfterMs < REQUEST_TIMEOUT_MS / 2, `closed after ${r.closedAfterMs} ms`);
    await stillServes();
  });
});
