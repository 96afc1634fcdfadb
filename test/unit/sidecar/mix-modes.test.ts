// Mixing presets as core modes (src/core/collab/logit/mix-modes.ts): the engine learns them from the running
// sidecar's /v1/models; a `mix:<preset>` completion or question is a model call through Models like any other
// (privacy rules, ledger, cancellation recognised by type), sent by the sidecar provider, and gives what the
// sidecar's API gives for the same request. A real sidecar runs real llama.cpp on the bigram test models.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { defaultConfig, type ChorusConfig } from "../../../src/core/config";
import { createEngine, type Engine } from "../../../src/core/engine";
import { isAbortError } from "../../../src/core/providers/errors";
import { providerFactory } from "../../../src/core/providers/factory";
import type { SidecarConnection } from "../../../src/core/providers/sidecar";
import { startFixture, type Fixture } from "./helpers";

let f: Fixture;
let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorus-mix-modes-"));
  f = await startFixture({
    presets: {
      "poe-ts-py": {
        strategy: "product",
        description: "TS × Python",
        models: [
          { model: "ts-bigram", weight: 1 },
          { model: "py-bigram", weight: 1 },
        ],
      },
      "ccd-ts": { strategy: "context-contrastive", model: "ts-bigram" },
    },
  });
});
after(async () => {
  await f?.close();
  rmSync(dir, { recursive: true, force: true });
});

let engines = 0;
function engineWith(sidecar: SidecarConnection, config: Partial<ChorusConfig> = {}): Engine {
  const policy = { timeoutMs: 60_000, retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 0 } };
  return createEngine({
    config: { ...defaultConfig(), ...config },
    providerFactory: providerFactory({ sidecar, policy }),
    secrets: async () => undefined,
    ledgerDir: join(dir, `ledger-${++engines}`),
    sidecar,
  });
}
const running = (): SidecarConnection => () => ({ url: f.sidecar.url, token: f.token });
const input = {
  prefix: "def total(items):\n    return ",
  suffix: "\n\nprint(total([]))\n",
  languageId: "python",
  filePath: "/w/a.py",
  atLineEnd: true,
  multiline: false,
};

void describe("mixing presets as core modes", () => {
  void it("learns one mode per preset from the sidecar, once; context-contrastive serves completions only", async () => {
    const engine = engineWith(running());
    const learned = await engine.learnSidecarPresets();
    assert.deepEqual(
      learned.presets.map((p) => p.id),
      ["chorus/poe-ts-py", "chorus/ccd-ts"],
    );
    assert.deepEqual(learned.added, ["mix:poe-ts-py", "mix:ccd-ts"]);
    assert.deepEqual((await engine.learnSidecarPresets()).added, []);
    assert.deepEqual(engine.modes.get("mix:poe-ts-py")!.surfaces, ["completion", "ask"]);
    assert.deepEqual(engine.modes.get("mix:ccd-ts")!.surfaces, ["completion"]);
    assert.equal(engine.modes.get("mix:poe-ts-py")!.description, "TS × Python");
  });

  void it("completes through Models with the text the sidecar's API gives, and Models records the call", async () => {
    const engine = engineWith(running());
    await engine.learnSidecarPresets();
    const out = await engine.complete(input, new AbortController().signal, "mix:poe-ts-py");
    const api = await f.client.completions.create({
      model: "chorus/poe-ts-py",
      prompt: input.prefix,
      suffix: input.suffix,
      max_tokens: 48,
      temperature: 0,
      stop: ["\n"],
    });
    assert.equal(out.text, api.choices[0]!.text.trimEnd());
    assert.deepEqual(out.decision.model, "chorus/poe-ts-py");
    const entries = engine.ledger.read().filter((e) => e.mode === "mix:poe-ts-py");
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.ok, true);
    assert.equal(entries[0]!.provider, "sidecar");
    assert.equal(entries[0]!.model, "chorus/poe-ts-py");
    assert.ok(entries[0]!.inputTokens > 0, "the sidecar's usage is recorded");
    assert.ok(!JSON.stringify(entries[0]).includes("/w/a.py"), "the ledger never holds the file's path");
  });

  void it("a context-contrastive preset gets the file above the last lines as chorus.context, through the provider", async () => {
    const engine = engineWith(running());
    await engine.learnSidecarPresets();
    const head = "interface User { id: string; name: string }\nconst a = 1;\n";
    const local = "function f(u: User) {\n  const x = 2;\n  const y = 3;\n  return u.na";
    const out = await engine.complete(
      { ...input, prefix: head + local, suffix: "", languageId: "typescript", filePath: "a.ts", multiline: true },
      new AbortController().signal,
      "mix:ccd-ts",
    );
    const r = await fetch(`${f.sidecar.url}/v1/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${f.token}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "chorus/ccd-ts", prompt: local, max_tokens: 128, temperature: 0, stop: ["\n\n\n"], chorus: { context: head } }),
    });
    const api = (await r.json()) as { choices: { text: string }[] };
    assert.ok(out.text.length > 0);
    assert.equal(out.text, api.choices[0]!.text);
    // Without the context the sidecar refuses a context-contrastive request: an answer proves the context arrived.
    assert.equal(engine.ledger.read().filter((e) => e.mode === "mix:ccd-ts" && e.ok).length, 1);
  });

  void it("answers a question through the preset, streams what it returns, and records the call", async () => {
    const engine = engineWith(running());
    await engine.learnSidecarPresets();
    let streamed = "";
    const out = await engine.ask(
      "What does total do?",
      { code: "def total(items):\n    return sum(items)\n", languageId: "python", modeId: "mix:poe-ts-py" },
      new AbortController().signal,
      (t) => (streamed += t),
    );
    assert.ok(out.text.length > 0);
    assert.equal(streamed, out.text);
    assert.equal(engine.ledger.read().filter((e) => e.mode === "mix:poe-ts-py" && e.surface === "ask" && e.ok).length, 1);
  });

  void it("a cancelled completion is an abort error and is recorded as cancelled", async () => {
    const engine = engineWith(running());
    await engine.learnSidecarPresets();
    const ctl = new AbortController();
    ctl.abort();
    const err = await engine.complete(input, ctl.signal, "mix:poe-ts-py").then(
      () => assert.fail("a cancelled request answered"),
      (e: unknown) => e,
    );
    assert.ok(isAbortError(err), `an abort error, not ${String(err)}`);
    const entries = engine.ledger.read().filter((e) => e.mode === "mix:poe-ts-py");
    assert.deepEqual(
      entries.map((e) => [e.ok, e.error]),
      [[false, "cancelled"]],
    );
  });

  void it("the privacy rules apply: a preset on a sidecar configured as a cloud model is refused for a local-only file", async () => {
    // A sidecar on another machine (`chorus serve` on a shared GPU box) is configured under the preset's name and
    // tagged cloud; the configured model wins over the learned one, and Models refuses it for a protected file.
    const engine = engineWith(running(), {
      models: [{ id: "chorus/poe-ts-py", provider: "sidecar", endpoint: f.sidecar.url, model: "chorus/poe-ts-py", tags: ["cloud"] }],
      privacy: { localOnly: false, localOnlyGlobs: ["**/secret/**"] },
    });
    await engine.learnSidecarPresets();
    await assert.rejects(engine.complete({ ...input, filePath: "/w/secret/a.py" }, new AbortController().signal, "mix:poe-ts-py"), /local|privacy|cloud/i);
    const entries = engine.ledger.read().filter((e) => e.mode === "mix:poe-ts-py");
    assert.deepEqual(
      entries.map((e) => [e.ok, e.error, e.decision]),
      [[false, "privacy", "privacy-block"]],
    );
  });

  void it("fails clearly, and records the failure, when the sidecar stopped after its presets were learned", async () => {
    let up = true;
    const engine = engineWith(() => (up ? { url: f.sidecar.url, token: f.token } : undefined));
    await engine.learnSidecarPresets();
    up = false;
    await assert.rejects(engine.complete(input, new AbortController().signal, "mix:poe-ts-py"), /sidecar is not running/);
    const entries = engine.ledger.read().filter((e) => e.mode === "mix:poe-ts-py");
    assert.deepEqual(
      entries.map((e) => [e.ok, e.error]),
      [[false, "unreachable"]],
    );
  });

  void it("with no sidecar running, there are no mixing modes and no error", async () => {
    const engine = engineWith(() => undefined);
    const learned = await engine.learnSidecarPresets();
    assert.deepEqual([learned.presets, learned.added], [[], []]);
    assert.equal(engine.modes.get("mix:poe-ts-py"), undefined);
  });
});
