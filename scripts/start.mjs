// `npm start`: Chorus in a real VS Code on this machine. Builds, installs code-server if missing, installs Chorus
// into a private code-server instance, starts the demo sidecar, opens a demo workspace on 127.0.0.1, prints the URL
// and runs until Ctrl-C (then stops everything it started). The demo workspace and the demo's own settings are reset
// on every start; what code-server needs to build the first time is checked before anything else.
//   npm start [-- --port 8080] [--workspace DIR] [--no-build] [--no-sidecar] [--code-server=4.139.1]
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { checkBuildTools, CODE_SERVER_VERSION, codeServer, installCodeServer, ROOT, startCodeServer } from "./code-server.mjs";

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
};
const version = codeServer(opt("code-server") ?? CODE_SERVER_VERSION).version;
// Each VS Code version keeps its own user data: a newer one may migrate state an older one cannot read back.
const STATE = join(ROOT, ".cache", version === CODE_SERVER_VERSION ? "start" : `start-${version}`);
const stops = [];
let stopping = false;

async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  console.log("\nStopping…");
  for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined);
  process.exit(code);
}
process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));

/**
 * Install Chorus as a user-installed extension of this instance. A link to this checkout (not a .vsix) so the
 * sidecar it spawns finds node-llama-cpp in ./node_modules, and a rebuild shows up after a window reload.
 */
function installChorus(extensionsDir) {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  mkdirSync(extensionsDir, { recursive: true });
  const target = join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
  rmSync(target, { recursive: true, force: true });
  // extensions.json is code-server's list of installed extensions: rebuilt from the folders when absent.
  rmSync(join(extensionsDir, "extensions.json"), { force: true });
  symlinkSync(ROOT, target, "dir");
  return target;
}

/**
 * HOOK (sidecar): with nothing else configured, the demo sidecar serving the trained demo models (models/demo) must run.
 * Starts `chorus serve --demo` (the sidecar engineer's) and hands its address to the extension host through
 * CHORUS_SIDECAR_URL / CHORUS_SIDECAR_TOKEN — the variables the CLI reads too; the engine host adopts them until
 * the extension's own sidecar process manager takes over. If that manager starts the demo sidecar itself, run
 * with --no-sidecar (or delete this hook). Returns the env for code-server and the models the sidecar serves.
 */
async function startDemoSidecar() {
  const child = spawn(process.execPath, [join(ROOT, "dist", "cli.js"), "serve", "--demo", "--cache-dir", join(STATE, "sidecar-cache")], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  stops.push(() => child.kill("SIGTERM"));
  const found = { env: {}, models: [] };
  const lines = createInterface({ input: child.stdout });
  await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error("the demo sidecar did not report its address within 180 s")), 180_000);
    child.once("exit", (code) => rej(new Error(`the demo sidecar (chorus serve --demo) exited with code ${code} before it was ready`)));
    lines.on("line", (line) => {
      let m;
      if ((m = /listening on (http\S+)/.exec(line))) found.env.CHORUS_SIDECAR_URL = m[1];
      else if ((m = /^Token: (\S+)/.exec(line))) found.env.CHORUS_SIDECAR_TOKEN = m[1];
      else if ((m = /^Models: (.+)$/.exec(line))) {
        found.models = m[1]
          .split(",")
          .map((x) => x.trim())
          .filter((x) => x && !x.includes(" "));
        clearTimeout(timer);
        res();
      }
    });
  });
  console.log(`Demo sidecar at ${found.env.CHORUS_SIDECAR_URL} serving ${found.models.join(", ") || "no models"}`);
  return found;
}

/**
 * The demo instance's settings, written on every start (other settings the user changed are kept). No models and
 * no modes: with nothing configured and no Ollama, the extension itself uses the sidecar's demo models, labelled,
 * with the demo's modes (src/core/demo/demo-models.ts) — the same demo a fresh install shows.
 */
function demoSettings() {
  return {
    // Written by earlier versions of npm start: left in place they would point at models this sidecar no longer
    // serves and hide the demo (undefined drops the key when the settings are merged and written).
    "chorus.models": undefined,
    "chorus.modes.completion": undefined,
    "chorus.modes.ask": undefined,
    "chorus.modes.review": undefined,
    "chorus.review.participants": undefined,
    "chorus.review.judge": undefined,
    "workbench.startupEditor": "none",
    "security.workspace.trust.enabled": false,
    "telemetry.telemetryLevel": "off",
    "git.openRepositoryInParentFolders": "never",
  };
}

try {
  checkBuildTools(version);
  if (!args.includes("--no-build")) {
    const b = spawnSync(process.execPath, [join(ROOT, "esbuild.mjs")], { cwd: ROOT, stdio: "inherit" });
    if (b.status !== 0) throw new Error("the build failed (see above)");
  }
  installCodeServer({ version });
  const workspace = resolve(opt("workspace") ?? join(STATE, "demo-workspace"));
  // The demo workspace starts fresh on every start: edits from an earlier demo would hide what the demo shows.
  if (!opt("workspace")) {
    rmSync(workspace, { recursive: true, force: true });
    // demo/workspace: files to type in and files with planted bugs for the review (its recorded findings).
    cpSync(join(ROOT, "demo", "workspace"), workspace, { recursive: true });
  }
  const sidecar = args.includes("--no-sidecar") ? { env: {}, models: [] } : await startDemoSidecar();
  const extensionsDir = join(STATE, "extensions");
  installChorus(extensionsDir);
  const server = await startCodeServer({
    version,
    stateDir: STATE,
    workspace,
    port: opt("port") ? Number(opt("port")) : undefined,
    env: sidecar.env,
    userSettings: demoSettings(),
    keepSettings: true,
  });
  stops.push(server.stop);
  console.log(`\nChorus is running in VS Code (code-server) at:\n\n    ${server.url}/?folder=${encodeURIComponent(workspace)}\n`);
  console.log("Open it in a browser on this machine. Press Ctrl-C to stop.");
  await new Promise(() => {}); // until Ctrl-C
} catch (e) {
  console.error(`npm start failed: ${e instanceof Error ? e.message : e}`);
  await stopAll(1);
}
