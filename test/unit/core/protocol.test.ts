import assert from "node:assert/strict";
import { test } from "node:test";
import { ProtocolClient, type Transport, type WireMessage } from "../../../src/core/protocol";

type Map = { echo: [{ text: string }, { text: string }, string] };

function pair() {
  const sent: WireMessage[] = [];
  let listener: (m: unknown) => void = () => {};
  let closer: () => void = () => {};
  const transport: Transport = {
    send: (m) => sent.push(m),
    onMessage: (l) => ((listener = l), { dispose() {} }),
    onClose: (l) => ((closer = l), { dispose() {} }),
  };
  return { transport, sent, deliver: (m: unknown) => listener(m), close: () => closer() };
}

void test("streams chunks then resolves with the result", async () => {
  const p = pair();
  const client = new ProtocolClient<Map>(p.transport);
  const chunks: string[] = [];
  const reply = client.request("echo", { text: "hi" }, { onChunk: (c) => chunks.push(c) });
  const req = p.sent[0] as { id: string; type: string };
  assert.equal(req.type, "echo");
  p.deliver({ id: req.id, chunk: "h" });
  p.deliver({ id: req.id, chunk: "i" });
  p.deliver({ id: req.id, done: true, result: { text: "hi" } });
  assert.deepEqual(await reply, { text: "hi" });
  assert.deepEqual(chunks, ["h", "i"]);
});

void test("rejects on error, timeout (sending cancel), abort and close", async () => {
  const p = pair();
  const client = new ProtocolClient<Map>(p.transport);
  const e1 = client.request("echo", { text: "x" });
  p.deliver({ id: (p.sent[0] as { id: string }).id, done: true, error: { message: "boom" } });
  await assert.rejects(e1, /boom/);

  const e2 = client.request("echo", { text: "x" }, { timeoutMs: 10 });
  await assert.rejects(e2, /within 10 ms/);
  assert.equal((p.sent.at(-1) as { type: string }).type, "cancel");

  const ctl = new AbortController();
  const e3 = client.request("echo", { text: "x" }, { signal: ctl.signal });
  ctl.abort();
  await assert.rejects(e3, (e: Error) => e.name === "AbortError");

  const e4 = client.request("echo", { text: "x" });
  p.close();
  await assert.rejects(e4, /closed/);
});
