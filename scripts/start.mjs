// `npm start`: Chorus in a real VS Code on this machine. Builds, installs code-server if missing, installs Chorus
// into a private code-server instance, starts the demo sidecar, opens a demo workspace on 127.0.0.1, prints the URL
// and runs until Ctrl-C (then stops everything it started).
//   npm start [-- --port 8080] [--workspace DIR] [--no-build] [--no-sidecar]
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { installCodeServer, ROOT, startCodeServer } from "./code-server.mjs";

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
};
const STATE = join(ROOT, ".cache", "start");
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
 * HOOK (sidecar): with nothing else configured, the demo sidecar serving the generated demo models must run.
 * When the CLI has `chorus serve --demo` (the sidecar engineer's), start it and hand its address to the extension
 * host through CHORUS_SIDECAR_URL / CHORUS_SIDECAR_TOKEN — the same variables the CLI reads. If the extension's
 * own sidecar process manager starts the demo sidecar itself, pass --no-sidecar (or delete this hook).
 */
async function startDemoSidecar() {
  const help = spawnSync(process.execPath, [join(ROOT, "dist", "cli.js"), "serve", "--help"], { encoding: "utf8" });
  if (help.status !== 0 || !help.stdout.includes("--demo")) {
    console.log("(no `chorus serve --demo` in this build yet: starting without the demo sidecar)");
    return {};
  }
  const child = spawn(process.execPath, [join(ROOT, "dist", "cli.js"), "serve", "--demo"], { stdio: ["pipe", "pipe", "inherit"] });
  stops.push(() => child.kill("SIGTERM"));
  const env = {};
  const lines = createInterface({ input: child.stdout });
  await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error("the demo sidecar did not report its address within 120 s")), 120_000);
    child.once("exit", (code) => rej(new Error(`the demo sidecar exited (code ${code}) before it was ready`)));
    lines.on("line", (line) => {
      const m = /^(?:export )?(CHORUS_SIDECAR_(?:URL|TOKEN))=(\S+)/.exec(line.trim());
      if (m) env[m[1]] = m[2];
      if (env.CHORUS_SIDECAR_URL && env.CHORUS_SIDECAR_TOKEN) {
        clearTimeout(timer);
        res();
      }
    });
  });
  console.log(`Demo sidecar at ${env.CHORUS_SIDECAR_URL}`);
  return env;
}

try {
  if (!args.includes("--no-build")) {
    const b = spawnSync(process.execPath, [join(ROOT, "esbuild.mjs")], { cwd: ROOT, stdio: "inherit" });
    if (b.status !== 0) throw new Error("the build failed (see above)");
  }
  installCodeServer();
  const workspace = resolve(opt("workspace") ?? join(STATE, "demo-workspace"));
  if (!opt("workspace") && !existsSync(workspace)) cpSync(join(ROOT, "test", "fixtures", "workspace"), workspace, { recursive: true });
  const sidecarEnv = args.includes("--no-sidecar") ? {} : await startDemoSidecar();
  const extensionsDir = join(STATE, "extensions");
  installChorus(extensionsDir);
  const server = await startCodeServer({
    stateDir: STATE,
    workspace,
    port: opt("port") ? Number(opt("port")) : undefined,
    env: sidecarEnv,
    userSettings: { "workbench.startupEditor": "none", "security.workspace.trust.enabled": false, "telemetry.telemetryLevel": "off", "git.openRepositoryInParentFolders": "never" },
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
