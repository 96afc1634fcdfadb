// The extension's sidecar supervisor against the real sidecar process (src/sidecar/main.ts under tsx, a real
// bigram GGUF): ready line → endpoint, a killed sidecar comes back on a new port with a new token, a sidecar that
// keeps crashing ends in "failed" with the reason, and stop() leaves no process behind.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SidecarSupervisor, type SidecarState } from "../../../src/vscode/sidecar-supervisor";
import { makeBigramModel } from "../../../src/sidecar/testmodels/bigram";
import { TS_CORPUS } from "./helpers";

let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorus-supervisor-"));
  await makeBigramModel({ corpus: TS_CORPUS, out: join(dir, "ts-bigram.gguf") });
});
after(() => rmSync(dir, { recursive: true, force: true }));

function until(sup: SidecarSupervisor, pred: (s: SidecarState) => boolean, ms = 60_000): Promise<SidecarState> {
  if (pred(sup.state)) return Promise.resolve(sup.state);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`state stayed ${JSON.stringify(sup.state)}`)), ms);
    const sub = sup.onState((s) => {
      if (!pred(s)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(s);
    });
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

void describe("sidecar supervisor", () => {
  void it("starts the sidecar, restarts it after a crash with a fresh port and token, and stops it", async () => {
    const sup = new SidecarSupervisor({
      command: process.execPath,
      args: ["--import", "tsx", join(import.meta.dirname, "../../../src/sidecar/main.ts")],
      env: { CHORUS_SIDECAR_CONFIG: JSON.stringify({ modelFolders: [dir], useOllamaModels: false, threads: 1, gpu: false }) },
      backoffBaseMs: 200,
      healthIntervalMs: 60_000,
    });
    try {
      sup.start();
      const first = await until(sup, (s) => s.kind === "running");
      assert.equal(first.kind, "running");
      const ep1 = sup.endpoint()!;
      assert.equal((await fetch(`${ep1.url}/health`)).status, 200);
      const models = (await (await fetch(`${ep1.url}/v1/models`, { headers: { authorization: `Bearer ${ep1.token}` } })).json()) as { data: { id: string }[] };
      assert.ok(models.data.some((m) => m.id === "ts-bigram"));

      const pid1 = (first as { pid: number }).pid;
      process.kill(pid1, "SIGKILL");
      await until(sup, (s) => s.kind === "restarting");
      assert.equal(sup.endpoint(), undefined, "no endpoint while the sidecar is down");
      const second = await until(sup, (s) => s.kind === "running");
      const ep2 = sup.endpoint()!;
      assert.notEqual(ep2.token, ep1.token);
      assert.notEqual((second as { pid: number }).pid, pid1);
      const c = await fetch(`${ep2.url}/v1/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${ep2.token}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "ts-bigram", prompt: "a", max_tokens: 3, temperature: 0 }),
      });
      assert.equal(c.status, 200);

      await sup.stop();
      assert.equal(sup.state.kind, "stopped");
      assert.equal(alive((second as { pid: number }).pid), false);
    } finally {
      await sup.stop();
    }
  });

  void it("the sidecar exits by itself when its parent goes away (its stdin closes)", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "../../../src/sidecar/main.ts")], {
      env: {
        ...process.env,
        CHORUS_SIDECAR_TOKEN: "t".repeat(32),
        CHORUS_SIDECAR_CONFIG: JSON.stringify({ modelFolders: [dir], useOllamaModels: false, threads: 1, gpu: false }),
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 60_000;
    while (!out.includes("CHORUS_SIDECAR_READY") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.match(out, /CHORUS_SIDECAR_READY \{"port":\d+/);
    // The token came from the parent, so the ready line must not repeat it.
    assert.doesNotMatch(out, /t{32}/);
    const exited = once(child, "exit");
    child.stdin.end();
    const [code] = (await Promise.race([
      exited,
      new Promise((_, rej) => setTimeout(() => rej(new Error("the sidecar outlived its parent's pipe")), 10_000)),
    ])) as [number];
    assert.equal(code, 0);
  });

  void it("kills and restarts a sidecar that stops answering /health", async () => {
    // A stand-in that reports ready and then never answers: what a wedged sidecar looks like from outside.
    const hung =
      "const s = require('node:http').createServer(() => {}); s.listen(0, '127.0.0.1', () => console.log('CHORUS_SIDECAR_READY ' + JSON.stringify({ port: s.address().port })));";
    const sup = new SidecarSupervisor({ command: process.execPath, args: ["-e", hung], env: {}, healthIntervalMs: 300, backoffBaseMs: 50 });
    try {
      sup.start();
      const first = (await until(sup, (s) => s.kind === "running", 20_000)) as { pid: number };
      await until(sup, (s) => s.kind === "restarting", 30_000);
      const second = (await until(sup, (s) => s.kind === "running", 20_000)) as { pid: number };
      assert.notEqual(second.pid, first.pid);
      assert.equal(alive(first.pid), false);
    } finally {
      await sup.stop();
    }
  });

  void it("gives up after repeated crashes and says why", async () => {
    const sup = new SidecarSupervisor({
      command: process.execPath,
      args: ["-e", "console.error('model folder exploded'); process.exit(3)"],
      env: {},
      backoffBaseMs: 20,
      maxCrashes: 3,
    });
    sup.start();
    const s = await until(sup, (x) => x.kind === "failed", 20_000);
    assert.match((s as { reason: string }).reason, /code 3/);
    assert.match((s as { reason: string }).reason, /model folder exploded/);
    await sup.stop();
  });
});
