// A 7.5 MB prompt sent to a real sidecar must not stop it serving everyone else (issue #22, item 3): while the
// big request is fitted (truncate_prompt_tokens), other requests are answered, and its reply is the ordinary one.
// Before, the fitting tokenized the whole prompt and then halves of it in one synchronous run: 6–12 s in which the
// sidecar answered nothing. The timing itself is measured in bench/fit-prompt-loop.ts.
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, test } from "node:test";
import type { LlamaModel } from "node-llama-cpp";
import { startFixture, TS_CORPUS, type Fixture } from "./helpers";

let f: Fixture;
before(async () => {
  f = await startFixture({ presets: { "ccd-ts": { strategy: "context-contrastive", model: "ts-bigram", beta: 0.5 } } });
});
after(async () => {
  await f?.close();
});

function call(path: string, method = "GET", body?: Buffer): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers = { host: `127.0.0.1:${f.sidecar.port}`, authorization: `Bearer ${f.token}`, "content-type": "application/json" };
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: f.sidecar.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown> }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Records when the model's tokenizer works on a text longer than `minChars` (the big prompt's fitting). */
async function watchTokenizer(model: string, minChars: number): Promise<{ first: number; last: number; longest: number; restore(): void }> {
  const lease = await f.sidecar.registry.acquire(model);
  const m: LlamaModel = lease.model.model;
  lease.release();
  const original = m.tokenize.bind(m);
  const seen = { first: Infinity, last: -Infinity, longest: 0 };
  m.tokenize = ((text: string, ...rest: unknown[]) => {
    seen.longest = Math.max(seen.longest, text.length);
    if (text.length >= minChars) {
      seen.first = Math.min(seen.first, performance.now());
      seen.last = performance.now();
    }
    return (original as (...a: unknown[]) => ReturnType<LlamaModel["tokenize"]>)(text, ...rest);
  }) as LlamaModel["tokenize"];
  return Object.assign(seen, { restore: () => void (m.tokenize = original) });
}

const BIG = TS_CORPUS.repeat(Math.ceil(7.5e6 / TS_CORPUS.length));

void test("while a 7.5 MB prompt is fitted, other requests are answered; the big one gets its fitted reply", async () => {
  // Loaded first: loading a model is not what this test measures.
  for (const model of ["ts-bigram", "py-bigram"])
    assert.equal((await call("/v1/completions", "POST", Buffer.from(JSON.stringify({ model, prompt: "a", max_tokens: 1 })))).status, 200);
  const fitting = await watchTokenizer("ts-bigram", 200);
  const answeredAt: number[] = [];
  let bigDone = false;
  // Clients of the other model, and clients listing the models (an answer that takes one turn of the event loop).
  const small = Buffer.from(JSON.stringify({ model: "py-bigram", prompt: "def", max_tokens: 1 }));
  const client = (send: () => ReturnType<typeof call>) =>
    (async () => {
      while (!bigDone) {
        assert.equal((await send()).status, 200);
        answeredAt.push(performance.now());
      }
    })();
  const others = Promise.all([client(() => call("/v1/completions", "POST", small)), ...[1, 2, 3].map(() => client(() => call("/v1/models")))]);
  try {
    const big = await call(
      "/v1/completions",
      "POST",
      Buffer.from(JSON.stringify({ model: "ts-bigram", prompt: BIG, max_tokens: 3, temperature: 0, truncate_prompt_tokens: -1 })),
    );
    bigDone = true;
    assert.equal(big.status, 200, JSON.stringify(big.json).slice(0, 300));
    const usage = big.json.usage as { prompt_tokens: number };
    assert.ok(usage.prompt_tokens <= 509 && usage.prompt_tokens > 400, `${usage.prompt_tokens} prompt tokens`);
  } finally {
    bigDone = true;
    await others;
    fitting.restore();
  }
  const during = answeredAt.filter((t) => t > fitting.first && t < fitting.last);
  assert.ok(fitting.last > fitting.first, "the big prompt was tokenized more than once");
  assert.ok(during.length > 0, `no other request was answered in the ${(fitting.last - fitting.first).toFixed(0)} ms the big prompt was being fitted`);
});

void test("a 7.5 MB prompt without truncate_prompt_tokens is refused as too long, without tokenizing all of it", async () => {
  const r = await call("/v1/completions", "POST", Buffer.from(JSON.stringify({ model: "ts-bigram", prompt: BIG, max_tokens: 3 })));
  assert.equal(r.status, 400);
  const error = r.json.error as { code: string; message: string };
  assert.equal(error.code, "context_length_exceeded");
  assert.match(error.message, /more than \d+ tokens but ts-bigram holds 512/);
});

void test("a 7.5 MB chat message is refused as too long without being tokenized whole", async () => {
  const watch = await watchTokenizer("ts-bigram", 0);
  try {
    const body = {
      model: "ts-bigram",
      max_tokens: 3,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: BIG },
      ],
    };
    const r = await call("/v1/chat/completions", "POST", Buffer.from(JSON.stringify(body)));
    assert.equal(r.status, 400);
    const error = r.json.error as { code: string; param: string };
    assert.equal(error.code, "context_length_exceeded");
    assert.equal(error.param, "messages");
  } finally {
    watch.restore();
  }
  assert.ok(watch.longest <= 16 * 1024, `one synchronous tokenization took ${watch.longest} characters`);
});

void test("a virtual model (a mixing preset) fits a 7.5 MB prompt, and refuses a 7.5 MB context, in bounded steps", async () => {
  const watch = await watchTokenizer("ts-bigram", 0);
  try {
    const fitted = await call(
      "/v1/completions",
      "POST",
      Buffer.from(
        JSON.stringify({
          model: "chorus/ccd-ts",
          prompt: BIG,
          max_tokens: 2,
          temperature: 0,
          truncate_prompt_tokens: -1,
          chorus: { context: "const x = 1;\n" },
        }),
      ),
    );
    assert.equal(fitted.status, 200, JSON.stringify(fitted.json).slice(0, 300));
    const refused = await call(
      "/v1/completions",
      "POST",
      Buffer.from(JSON.stringify({ model: "chorus/ccd-ts", prompt: "const y = ", max_tokens: 2, chorus: { context: BIG } })),
    );
    assert.equal(refused.status, 400);
    assert.equal((refused.json.error as { code: string }).code, "context_length_exceeded");
  } finally {
    watch.restore();
  }
  assert.ok(watch.longest <= 16 * 1024, `one synchronous tokenization took ${watch.longest} characters`);
});
