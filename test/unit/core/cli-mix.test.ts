// `chorus ask --mode mix:<preset>` as a user runs it: `chorus serve --demo` in one process (real llama.cpp on the
// demo models, its mixing presets), and the CLI in another, which learns the presets from the sidecar that
// CHORUS_SIDECAR_URL/TOKEN name (what `chorus serve` prints) and calls them through the engine like any model.

import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, test } from "node:test";
import { runCli } from "../../fixtures/run-cli";

let dir: string;
let serve: ChildProcess;
let sidecarEnv: Record<string, string>;

/** Starts `chorus serve --demo` and waits for the variables it prints. */
function startServe(cacheDir: string): Promise<{ proc: ChildProcess; env: Record<string, string> }> {
  const tsx = pathToFileURL(join(process.cwd(), "node_modules/tsx/dist/loader.mjs")).href;
  const proc = spawn(process.execPath, [
    "--import",
    tsx,
    join(process.cwd(), "src/cli/main.ts"),
    "serve",
    "--demo",
    "--no-ollama",
    "--port",
    "0",
    "--cache-dir",
    cacheDir,
  ]);
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`chorus serve did not start in 120 s: ${err}`)), 120_000);
    proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const url = /CHORUS_SIDECAR_URL=(\S+)/.exec(out)?.[1];
      const token = /CHORUS_SIDECAR_TOKEN=(\S+)/.exec(out)?.[1];
      if (url && token) {
        clearTimeout(timer);
        resolve({ proc, env: { CHORUS_SIDECAR_URL: url, CHORUS_SIDECAR_TOKEN: token } });
      }
    });
    proc.on("exit", (code) => reject(new Error(`chorus serve exited with ${code}: ${err}`)));
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorus-cli-mix-"));
  // No configured model and no Ollama: every answer below can only come from the sidecar's presets.
  writeFileSync(join(dir, "chorus.json"), JSON.stringify({ ollamaUrl: "http://127.0.0.1:9", models: [] }));
  const started = await startServe(join(dir, "cache"));
  serve = started.proc;
  sidecarEnv = { ...started.env, XDG_DATA_HOME: join(dir, "data"), XDG_CONFIG_HOME: join(dir, "config") };
});
after(() => {
  serve?.kill("SIGINT");
  rmSync(dir, { recursive: true, force: true });
});

void test("ask --mode mix:<preset> answers through the sidecar's preset and the ledger records it", async () => {
  const r = await runCli(["ask", "--mode", "mix:poe-ts-py", "--json", "What does total do?"], dir, sidecarEnv);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { text: string; decision: { model: string; action: string } };
  assert.deepEqual([out.decision.model, out.decision.action], ["chorus/poe-ts-py", "mixed"]);
  assert.ok(out.text.length > 0);
  const usage = await runCli(["usage", "--by", "mode", "--json"], dir, sidecarEnv);
  const rows = JSON.parse(usage.stdout) as { key: string; calls: number; errors: number; costUsd: number }[];
  const row = rows.find((x) => x.key === "mix:poe-ts-py");
  assert.deepEqual(row && [row.calls, row.errors, row.costUsd], [1, 0, 0], usage.stdout);
});

void test("modes lists the sidecar's presets as mix: modes", async () => {
  const r = await runCli(["modes", "--json"], dir, sidecarEnv);
  assert.equal(r.code, 0, r.stderr);
  const table = JSON.parse(r.stdout) as Record<string, { id: string }[]>;
  for (const id of ["mix:poe-ts-py", "mix:contrastive-ts", "mix:defer-weak-general", "mix:dexperts-ts"]) {
    assert.ok(
      table.completion?.some((m) => m.id === id),
      `${id} completes`,
    );
    assert.ok(
      table.ask?.some((m) => m.id === id),
      `${id} answers`,
    );
  }
});

void test("without a sidecar, a mix: mode is unknown and the error says how to start one", async () => {
  const r = await runCli(["ask", "--mode", "mix:poe-ts-py", "hi"], dir, { XDG_DATA_HOME: join(dir, "data"), CHORUS_SIDECAR_URL: "", CHORUS_SIDECAR_TOKEN: "" });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Unknown mode "mix:poe-ts-py".*chorus serve --demo.*CHORUS_SIDECAR_URL/s);
});
