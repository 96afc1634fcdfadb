// The sidecar inside a real VS Code: the extension spawns it (real llama.cpp on the generated demo models), learns
// its mixing presets as completion modes, completes through them, and brings it back after it is killed.
import * as assert from "node:assert/strict";
import { describe, it } from "mocha";
import * as vscode from "vscode";
import { chorus } from "./helpers";

type State = { kind: string; url?: string; pid?: number };

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const state = () => vscode.commands.executeCommand<State>("chorus.sidecar.state");
const running = async () => {
  const s = await state();
  return s.kind === "running" ? s : undefined;
};

describe("sidecar in VS Code", function () {
  this.timeout(180_000);

  it("starts the sidecar and offers its demo mixing presets as completion modes", async () => {
    const api = await chorus();
    const s = await waitFor("the sidecar to run", running);
    assert.match(s.url ?? "", /^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${s.url}/health`);
    assert.equal(health.status, 200);
    // Without the token the API refuses, even from inside the editor.
    assert.equal((await fetch(`${s.url}/v1/models`)).status, 401);
    await waitFor("the mixing modes", () => api.modes.get("mix:contrastive-ts"));
    const ids = api.modes.forSurface("completion").map((m) => m.id);
    for (const id of ["mix:contrastive-ts", "mix:poe-ts-py", "mix:defer-weak-general"]) assert.ok(ids.includes(id), ids.join(", "));
  });

  it("completes through a mixing mode and records the call in the ledger", async () => {
    const api = await chorus();
    await waitFor("the mixing modes", () => api.modes.get("mix:poe-ts-py"));
    const input = {
      prefix: "export function total(items: Item[]): number {\n  return ",
      suffix: "\n}\n",
      languageId: "typescript",
      filePath: "a.ts",
      atLineEnd: true,
      multiline: true,
    };
    const out = await api.engine.complete(input, new AbortController().signal, "mix:poe-ts-py");
    assert.ok(out.text.length > 0, "empty completion");
    assert.equal(out.decision.model, "chorus/poe-ts-py");
    const last = api.ledger
      .read()
      .filter((e) => e.mode === "mix:poe-ts-py")
      .at(-1);
    assert.equal(last?.ok, true);
    assert.equal(last?.provider, "sidecar");
  });

  it("restarts a killed sidecar on a new port, and completions keep working with the same text", async () => {
    const api = await chorus();
    const input = { prefix: "def total(items):\n    return ", suffix: "", languageId: "python", filePath: "a.py", atLineEnd: true, multiline: true };
    const before = await api.engine.complete(input, new AbortController().signal, "mix:poe-ts-py");
    const first = await waitFor("the sidecar to run", running);
    process.kill(first.pid!, "SIGKILL");
    const second = await waitFor("a new sidecar", async () => {
      const s = await running();
      return s && s.pid !== first.pid ? s : undefined;
    });
    assert.notEqual(second.url, undefined);
    const after = await api.engine.complete(input, new AbortController().signal, "mix:poe-ts-py");
    assert.ok(before.text.length > 0, "empty completion");
    assert.equal(after.text, before.text);
  });
});
