// The helper process that runs what can end or freeze a process (llama.cpp loading a model, a chat template):
// a death is pinned on the request in flight with llama.cpp's own line as the reason, a hang is killed at the
// time limit, the next request gets a fresh helper, and verdicts about model files persist by path, size, mtime.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { IsolatedHelper, IsolateError } from "../../../src/sidecar/isolate/helper";
import { oneLine, tellingLine } from "../../../src/sidecar/isolate/one-line";
import { ProbeCache } from "../../../src/sidecar/isolate/probe-cache";

const dir = mkdtempSync(join(tmpdir(), "chorus-isolate-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// A stand-in helper speaking the real protocol: "crash" dies the way llama.cpp's GGML_ASSERT does (a message on
// stderr, a native stack, then abort), "hang" never answers, anything else is answered.
const FAKE = join(dir, "fake-helper.mjs");
writeFileSync(
  FAKE,
  `import { createInterface } from "node:readline";
process.stdout.write(JSON.stringify({ ready: true }) + "\\n");
createInterface({ input: process.stdin }).on("line", (line) => {
  const r = JSON.parse(line);
  if (r.path === "crash") {
    process.stderr.write("llama_model_load: loading model\\n/src/llama-model.cpp:512: GGML_ASSERT(hparams.n_expert_used > 0) failed\\n3: 0x7f00 ggml_abort\\n");
    process.abort();
  }
  if (r.path === "hang") return;
  process.stdout.write(JSON.stringify({ id: r.id, ok: true, result: { next: 7, pid: process.pid } }) + "\\n");
});
`,
);
const command = { command: process.execPath, args: [FAKE] };
const probe = (path: string) => ({ kind: "probe" as const, path, gpu: false as const, threads: 1 });

void describe("the helper process", () => {
  void it("blames a death on the request in flight, with llama.cpp's assert as the reason, and starts afresh", async () => {
    const h = new IsolatedHelper({ command });
    try {
      const before = await h.request<{ pid: number }>(probe("good"), 10_000);
      const e = await h.request(probe("crash"), 10_000).then(
        () => undefined,
        (x: unknown) => x,
      );
      assert.ok(e instanceof IsolateError && e.kind === "crashed", String(e));
      assert.match(e.message, /SIGABRT/);
      assert.match(e.message, /GGML_ASSERT\(hparams\.n_expert_used > 0\) failed/);
      const afterCrash = await h.request<{ pid: number }>(probe("good"), 10_000);
      assert.notEqual(afterCrash.pid, before.pid);
    } finally {
      await h.dispose();
    }
  });

  void it("kills a helper that runs past the time limit, and the next request is answered", async () => {
    const h = new IsolatedHelper({ command });
    try {
      const t = Date.now();
      const e = await h.request(probe("hang"), 300).then(
        () => undefined,
        (x: unknown) => x,
      );
      assert.ok(e instanceof IsolateError && e.kind === "timeout", String(e));
      assert.ok(Date.now() - t < 5000);
      assert.equal((await h.request<{ next: number }>(probe("good"), 10_000)).next, 7);
    } finally {
      await h.dispose();
    }
  });

  void it("does not blame the request in flight when the sidecar stops the helper", async () => {
    const h = new IsolatedHelper({ command });
    const pending = h.request(probe("hang"), 60_000).then(
      () => undefined,
      (x: unknown) => x,
    );
    await new Promise((r) => setTimeout(r, 500));
    await h.dispose();
    const e = await pending;
    assert.ok(e instanceof IsolateError && e.kind === "unavailable", String(e));
  });

  void it("reports a helper that cannot start as unavailable (no model is to blame)", async () => {
    const h = new IsolatedHelper({ command: { command: process.execPath, args: ["-e", "process.exit(3)"] } });
    const e = await h.request(probe("good"), 10_000).then(
      () => undefined,
      (x: unknown) => x,
    );
    assert.ok(e instanceof IsolateError && e.kind === "unavailable", String(e));
  });
});

void describe("reasons and verdicts", () => {
  void it("takes the telling line of a dead process's stderr, escaped and capped", () => {
    assert.equal(tellingLine("loading\nGGML_ASSERT(x) failed\n3: 0xee85e7 v8::internal::V8::Fatal\n"), "GGML_ASSERT(x) failed");
    assert.equal(
      tellingLine("/home/runner/work/llama.cpp/src/llama-model.cpp:1296: GGML_ASSERT(n > 0) failed"),
      "llama-model.cpp:1296: GGML_ASSERT(n > 0) failed",
    );
    assert.equal(tellingLine("\n<--- JS stacktrace --->\nFATAL ERROR: Reached heap limit\n1: 0xb8 node::Abort()\n"), "FATAL ERROR: Reached heap limit");
    assert.equal(tellingLine("error: bad \u001b[31mtoken\u0007"), "error: bad \\u001b[31mtoken\\u0007");
    assert.ok(oneLine("x".repeat(1000)).length <= 240);
    assert.equal(oneLine("cannot be loaded: \n  - a\n  - b"), "cannot be loaded: a; b");
  });

  void it("keeps a verdict across restarts while the file is unchanged, and forgets it when the file changes", () => {
    const model = join(dir, "m.gguf");
    writeFileSync(model, "x");
    const file = join(dir, "cache", "probed-models.json");
    new ProbeCache(file).set(model, { loadable: false, reason: "GGML_ASSERT(x) failed" });
    assert.deepEqual(new ProbeCache(file).get(model), { loadable: false, reason: "GGML_ASSERT(x) failed" });
    utimesSync(model, new Date(), new Date(Date.now() + 5000));
    assert.equal(new ProbeCache(file).get(model), undefined);
    writeFileSync(file, "{not json");
    assert.equal(new ProbeCache(file).get(model), undefined);
  });
});
