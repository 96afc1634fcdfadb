// Mixing presets as completion modes: the modes come from the running sidecar's /v1/models, a completion goes
// through the sidecar provider with FIM (prefix + suffix) and returns what the sidecar's API returns for the same
// request, and every call lands in the ledger.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Ledger } from "../../../src/core/ledger";
import { ModeRegistry } from "../../../src/core/modes";
import { listVirtualModels, registerMixingModes } from "../../../src/vscode/mixing-modes";
import { startFixture, type Fixture } from "./helpers";

let f: Fixture;
let ledgerDir: string;
before(async () => {
  ledgerDir = mkdtempSync(join(tmpdir(), "chorus-ledger-"));
  f = await startFixture({
    presets: {
      "poe-ts-py": { strategy: "product", description: "TS × Python", models: [{ model: "ts-bigram", weight: 1 }, { model: "py-bigram", weight: 1 }] },
      "ccd-ts": { strategy: "context-contrastive", model: "ts-bigram" },
    },
  });
});
after(async () => {
  await f?.close();
  rmSync(ledgerDir, { recursive: true, force: true });
});

void describe("mixing presets as completion modes", () => {
  void it("registers one completion mode per virtual model, once", async () => {
    const connection = () => ({ url: f.sidecar.url, token: f.token });
    const modes = new ModeRegistry();
    const ledger = new Ledger(ledgerDir);
    const virtual = await listVirtualModels(connection);
    assert.deepEqual(virtual.map((m) => m.id), ["chorus/poe-ts-py", "chorus/ccd-ts"]);
    assert.deepEqual(registerMixingModes(modes, virtual, connection, ledger), ["mix:poe-ts-py", "mix:ccd-ts"]);
    assert.deepEqual(registerMixingModes(modes, virtual, connection, ledger), []);
    const mode = modes.get("mix:poe-ts-py")!;
    assert.deepEqual(mode.surfaces, ["completion", "ask"]);
    assert.deepEqual(modes.get("mix:ccd-ts")!.surfaces, ["completion"]);
    assert.equal(mode.description, "TS × Python");
  });

  void it("completes through the sidecar with the same text its API gives, and records the call", async () => {
    const connection = () => ({ url: f.sidecar.url, token: f.token });
    const modes = new ModeRegistry();
    const ledger = new Ledger(ledgerDir);
    registerMixingModes(modes, await listVirtualModels(connection), connection, ledger);
    const strategy = modes.get("mix:poe-ts-py")!.completion!({} as never);
    const input = { prefix: "def total(items):\n    return ", suffix: "\n\nprint(total([]))\n", languageId: "python", filePath: "a.py", atLineEnd: true, multiline: false };
    const out = await strategy.complete(input, new AbortController().signal);
    const api = await f.client.completions.create({ model: "chorus/poe-ts-py", prompt: input.prefix, suffix: input.suffix, max_tokens: 48, temperature: 0, stop: ["\n"] });
    assert.equal(out.text, api.choices[0]!.text.trimEnd());
    assert.equal(out.decision.model, "chorus/poe-ts-py");
    const entries = ledger.read().filter((e) => e.mode === "mix:poe-ts-py");
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.ok, true);
    assert.equal(entries[0]!.provider, "sidecar");
  });

  void it("a context-contrastive mode sends the file above the last lines as the context", async () => {
    const connection = () => ({ url: f.sidecar.url, token: f.token });
    const modes = new ModeRegistry();
    const ledger = new Ledger(ledgerDir);
    registerMixingModes(modes, await listVirtualModels(connection), connection, ledger);
    const strategy = modes.get("mix:ccd-ts")!.completion!({} as never);
    const head = "interface User { id: string; name: string }\nconst a = 1;\n";
    const local = "function f(u: User) {\n  const x = 2;\n  const y = 3;\n  return u.na";
    const out = await strategy.complete({ prefix: head + local, suffix: "", languageId: "typescript", filePath: "a.ts", atLineEnd: true, multiline: true }, new AbortController().signal);
    const r = await fetch(`${f.sidecar.url}/v1/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${f.token}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "chorus/ccd-ts", prompt: local, max_tokens: 128, temperature: 0, stop: ["\n\n\n"], chorus: { context: head.slice(0, -1) + "\n" } }),
    });
    const api = (await r.json()) as { choices: { text: string }[] };
    assert.equal(out.text, api.choices[0]!.text);
    assert.ok(out.text.length > 0);
    assert.equal(ledger.read().filter((e) => e.mode === "mix:ccd-ts" && e.ok).length, 1);
  });

  void it("answers a question through the preset, streams the text it returns, and records the call", async () => {
    const connection = () => ({ url: f.sidecar.url, token: f.token });
    const modes = new ModeRegistry();
    const ledger = new Ledger(ledgerDir);
    registerMixingModes(modes, await listVirtualModels(connection), connection, ledger);
    const strategy = modes.get("mix:poe-ts-py")!.ask!({} as never);
    let streamed = "";
    const out = await strategy.ask({ question: "What does total do?", code: "def total(items):\n    return sum(items)\n", languageId: "python" }, new AbortController().signal, (t) => (streamed += t));
    assert.ok(out.text.length > 0);
    assert.equal(streamed, out.text);
    assert.equal(ledger.read().filter((e) => e.mode === "mix:poe-ts-py" && e.surface === "ask" && e.ok).length, 1);
  });

  void it("fails clearly when the sidecar is not running", async () => {
    const modes = new ModeRegistry();
    const ledger = new Ledger(ledgerDir);
    registerMixingModes(modes, [{ id: "chorus/poe-ts-py", chorus: { kind: "virtual" } }], () => undefined, ledger);
    const strategy = modes.get("mix:poe-ts-py")!.completion!({} as never);
    await assert.rejects(strategy.complete({ prefix: "a", suffix: "", languageId: "ts", filePath: "a.ts", atLineEnd: true, multiline: false }, new AbortController().signal), /sidecar is not running/);
  });
});
