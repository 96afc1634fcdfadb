/**
 * The stand-in servers themselves, as other suites use them: started from a script (how the VS Code test runner
 * starts one for the extension under test) and spoken to over plain HTTP, so their wire format is checked
 * independently of the clients that read it.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, it } from "node:test";
import { startFakeOllama } from "../../fixtures/fake-ollama";
import { startFakeOpenAI } from "../../fixtures/fake-openai";

async function startScript(file: string, args: string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", file, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      out += s;
      const m = /^FAKE_\w+_URL=(\S+)$/m.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`${file} exited with ${code} before printing its URL`)));
  });
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

void describe("fake servers", () => {
  void it("fake-ollama starts from a script and answers with the given reply prefix", async () => {
    const s = await startScript("test/fixtures/fake-ollama.ts", ["--port", "0", "--reply-prefix", "ghost from ", "--models", "a:1b,b:7b"]);
    try {
      const tags = (await (await fetch(`${s.url}/api/tags`)).json()) as { models: { name: string }[] };
      assert.deepEqual(
        tags.models.map((m) => m.name),
        ["a:1b", "b:7b"],
      );
      const res = await fetch(`${s.url}/api/generate`, { method: "POST", body: JSON.stringify({ model: "b:7b", prompt: "x", suffix: "y", stream: false }) });
      const body = (await res.json()) as { response: string; done: boolean };
      assert.equal(body.response, "ghost from b:7b");
      assert.equal(body.done, true);
    } finally {
      await s.stop();
    }
  });

  void it("fake-openai starts from a script and requires its API key", async () => {
    const s = await startScript("test/fixtures/fake-openai.ts", ["--port", "0", "--api-key", "k1", "--models", "m1"]);
    try {
      assert.match(s.url, /\/v1$/);
      assert.equal((await fetch(`${s.url}/models`)).status, 401);
      const ok = await fetch(`${s.url}/models`, { headers: { authorization: "Bearer k1" } });
      assert.deepEqual(
        ((await ok.json()) as { data: { id: string }[] }).data.map((m) => m.id),
        ["m1"],
      );
    } finally {
      await s.stop();
    }
  });

  void it("Ollama NDJSON: one object per line, the last with done, done_reason and counts", async () => {
    const s = await startFakeOllama({ models: ["m"], reply: () => "a b" });
    try {
      const res = await fetch(`${s.url}/api/chat`, { method: "POST", body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "q" }] }) });
      assert.equal(res.headers.get("content-type"), "application/x-ndjson");
      const lines = (await res.text())
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(
        lines.map((l) => (l.message as { content: string }).content),
        ["a ", "b", ""],
      );
      assert.deepEqual(
        lines.map((l) => l.done),
        [false, false, true],
      );
      assert.equal(lines[2]!.done_reason, "stop");
      assert.equal(lines[2]!.prompt_eval_count, 1);
      assert.equal(lines[2]!.eval_count, 2);
    } finally {
      await s.close();
    }
  });

  void it("OpenAI SSE: role chunk first, content, finish chunk, usage chunk with no choices, then [DONE]", async () => {
    const s = await startFakeOpenAI({ models: ["m"], reply: () => "a b" });
    try {
      const res = await fetch(`${s.url}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "m", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "q" }] }),
      });
      assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
      const events = (await res.text()).split("\n\n").filter(Boolean);
      assert.ok(events.every((e) => e.startsWith("data: ")));
      assert.equal(events.at(-1), "data: [DONE]");
      const chunks = events
        .slice(0, -1)
        .map((e) => JSON.parse(e.slice(6)) as { choices: { delta: Record<string, unknown>; finish_reason: unknown }[]; usage: unknown });
      assert.equal(chunks[0]!.choices[0]!.delta.role, "assistant");
      assert.deepEqual(
        chunks.slice(1, 3).map((c) => c.choices[0]!.delta.content),
        ["a ", "b"],
      );
      assert.equal(chunks[3]!.choices[0]!.finish_reason, "stop");
      assert.deepEqual(chunks[4]!.choices, []);
      assert.deepEqual((chunks[4]!.usage as { prompt_tokens: number; completion_tokens: number }).completion_tokens, 2);
      assert.ok(chunks.slice(0, 4).every((c) => c.usage === null));
    } finally {
      await s.close();
    }
  });

  void it("OpenAI embeddings come back as base64 float32 when asked, as the SDK's default asks", async () => {
    const s = await startFakeOpenAI({ models: ["e"] });
    try {
      const post = async (fmt: string): Promise<unknown> =>
        (
          (await (
            await fetch(`${s.url}/embeddings`, { method: "POST", body: JSON.stringify({ model: "e", input: "hello", encoding_format: fmt }) })
          ).json()) as { data: { embedding: unknown }[] }
        ).data[0]!.embedding;
      const floats = (await post("float")) as number[];
      const b64 = Buffer.from((await post("base64")) as string, "base64");
      const decoded = Array.from(new Float32Array(b64.buffer, b64.byteOffset, b64.byteLength / 4));
      assert.equal(decoded.length, floats.length);
      decoded.forEach((x, i) => assert.ok(Math.abs(x - floats[i]!) < 1e-6));
    } finally {
      await s.close();
    }
  });
});

void describe("fake server scripting", () => {
  void it("a reply may carry logprobs under either name, and latency delays the answer", async () => {
    const s = await startFakeOllama({
      models: ["m"],
      latencyMs: (r) => (r.prompt === "slow" ? 300 : 0),
      reply: () => ({ logprobs: [{ token: "A", logprob: -1 }] }),
    });
    try {
      const ask = async (content: string): Promise<{ ms: number; body: { message: { content: string }; logprobs?: unknown[] } }> => {
        const t0 = Date.now();
        const res = await fetch(`${s.url}/api/chat`, {
          method: "POST",
          body: JSON.stringify({ model: "m", stream: false, logprobs: true, messages: [{ role: "user", content }] }),
        });
        return { body: (await res.json()) as { message: { content: string }; logprobs?: unknown[] }, ms: Date.now() - t0 };
      };
      const slow = await ask("slow");
      assert.equal(slow.body.message.content, "A");
      assert.equal(slow.body.logprobs?.length, 1);
      assert.ok(slow.ms >= 290, `answered after ${slow.ms} ms`);
    } finally {
      await s.close();
    }
  });
});
