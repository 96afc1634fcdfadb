// code-server, installed into ./.cache and started as an isolated instance; the version is a parameter, so the
// tests run in the oldest VS Code Chorus supports (code-server 4.100.3 = VS Code 1.100.3, the `engines.vscode`
// floor) and in a current one (4.139.1 = VS Code 1.139.1) through the same code. Used by the real-VS-Code tests
// (scripts/vscode-tests.mjs) and `npm start`. Facts behind every step: /work/shared/notes/vscode-e2e.md (4.100.3 is
// the last release whose engines accept Node 20; its ripgrep dependency downloads from GitHub unless its cache is
// seeded; a global install breaks under npm 11). Newer releases need a newer Node: see scripts/node-runtime.mjs.
//
//   node scripts/code-server.mjs install [--version V]    install (skipped when already installed)
//   node scripts/code-server.mjs path [--version V]       print the code-server executable
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { installNodeRuntime, nodeRuntime } from "./node-runtime.mjs";

/**
 * The code-server releases the project knows how to install. `node`: the Node it must run under when the machine's
 * Node 20 is too old (code-server's postinstall refuses any other major: its postinstall.sh checks the node version
 * in npm's user agent); `ripgrep`: the @vscode/ripgrep whose postinstall downloads `rg` from GitHub unless seeded
 * (4.139.1 ships @vscode/ripgrep-universal, which carries its binaries and has no install script).
 */
export const CODE_SERVER_RELEASES = {
  "4.100.3": { vscode: "1.100.3", ripgrep: { pkg: "1.15.11", tarball: "ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" } },
  "4.139.1": { vscode: "1.139.1", node: "24.22.3" },
};
/** The oldest VS Code Chorus supports (package.json engines.vscode): the default for every script. */
export const OLDEST_CODE_SERVER = "4.100.3";
/** A current VS Code, as users run it. */
export const CURRENT_CODE_SERVER = "4.139.1";
export const CODE_SERVER_VERSION = OLDEST_CODE_SERVER;

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CACHE = join(ROOT, ".cache");
/** Where the default (oldest) release is installed; other releases go to .cache/code-server-<version>. */
export const INSTALL_DIR = join(CACHE, "code-server");

/** Everything about one code-server release on this machine: where it lives and how to run it. */
export function codeServer(version = CODE_SERVER_VERSION) {
  const release = CODE_SERVER_RELEASES[version];
  if (!release) throw new Error(`Unknown code-server version ${version}. Known: ${Object.keys(CODE_SERVER_RELEASES).join(", ")}.`);
  const installDir = version === OLDEST_CODE_SERVER ? INSTALL_DIR : join(CACHE, `code-server-${version}`);
  const node = release.node ? nodeRuntime(CACHE, release.node) : undefined;
  return {
    version,
    release,
    installDir,
    bin: join(installDir, "node_modules", ".bin", "code-server"),
    stamp: join(installDir, `installed-${version}`),
    node,
    // code-server's bin starts with `#!/usr/bin/env node` and forks its extension host with its own Node, so
    // putting the pinned Node first on PATH runs the whole server on it; npm_config_nodedir points node-gyp at
    // that Node's headers (no download from nodejs.org) when the install builds native modules for it.
    env: node ? { PATH: `${node.binDir}${delimiter}${process.env.PATH ?? ""}`, npm_config_nodedir: node.dir } : {},
  };
}

export function codeServerBin(version) {
  return codeServer(version).bin;
}

export function isInstalled(version) {
  const cs = codeServer(version);
  return existsSync(cs.stamp) && existsSync(cs.bin) && (!cs.node || existsSync(cs.node.stamp));
}

/** The one line that installs what building code-server needs (Debian/Ubuntu package names). */
export const BUILD_TOOLS_APT = "sudo apt-get install -y ripgrep build-essential python3 libkrb5-dev";

function onPath(cmd) {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" }).stdout.trim();
}

/**
 * Building code-server needs ripgrep (seeded into @vscode/ripgrep's cache), a C++ toolchain and python3 (node-gyp
 * builds node-pty, kerberos, …) and the Kerberos headers (kerberos' binding). Checked up front, before the build and
 * the minute-long npm install, so a fresh machine hears in one line what to install instead of failing half way.
 */
export function checkBuildTools(version) {
  if (isInstalled(version)) return;
  const missing = [
    ["rg", "ripgrep"],
    ["make", "build-essential"],
    ["g++", "build-essential"],
    ["python3", "python3"],
    ["krb5-config", "libkrb5-dev"],
  ].filter(([cmd]) => !onPath(cmd));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map(([, pkg]) => pkg))].join(", ");
  throw new Error(`building code-server (once) needs ${packages}, which this machine lacks. Install them with:\n\n    ${BUILD_TOOLS_APT}\n`);
}

/** Install code-server `version` locally (not -g) unless the cache already holds it. */
export function installCodeServer({ version = CODE_SERVER_VERSION, log = console.log } = {}) {
  const cs = codeServer(version);
  if (isInstalled(version)) return cs.bin;
  checkBuildTools(version);
  const started = Date.now();
  if (cs.node) installNodeRuntime(CACHE, cs.node.version, { log });
  mkdirSync(cs.installDir, { recursive: true });
  writeFileSync(join(cs.installDir, "package.json"), JSON.stringify({ name: "chorus-code-server", private: true }, null, 2));
  const tmp = mkdtempSync(join(tmpdir(), "chorus-cs-install-"));
  if (cs.release.ripgrep) seedRipgrepCache(tmp, cs.release.ripgrep);

  log(`Installing code-server ${version} into ${cs.installDir} (a minute or more; needs build-essential, python3, libkrb5-dev)…`);
  const r = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--unsafe-perm", `code-server@${version}`], {
    cwd: cs.installDir,
    stdio: "inherit",
    // npm_config_yes: node-pty's build runs `npx node-gyp`, which would otherwise prompt and hang.
    // npm ≥ 11.10 skips dependency install scripts unless approved; code-server's postinstall runs a nested
    // `npm install` in lib/vscode whose native modules (node-pty, kerberos, @parcel/watcher, …) all must build,
    // so this one pinned install allows them all (older npm ignores the unknown setting).
    env: { ...process.env, ...cs.env, TMPDIR: tmp, npm_config_yes: "true", npm_config_dangerously_allow_all_scripts: "true" },
  });
  rmSync(tmp, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`npm install code-server@${version} failed (exit ${r.status}). See the npm output above.`);
  writeFileSync(cs.stamp, new Date().toISOString() + "\n");
  log(`code-server ${version} installed in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  return cs.bin;
}

/** Seed @vscode/ripgrep's download cache (under TMPDIR) with Debian's rg so its postinstall never reaches GitHub. */
function seedRipgrepCache(tmp, ripgrep) {
  const rg = onPath("rg");
  const cache = join(tmp, `vscode-ripgrep-cache-${ripgrep.pkg}`);
  const stage = join(tmp, "rg-stage");
  mkdirSync(cache, { recursive: true });
  mkdirSync(stage);
  copyFileSync(rg, join(stage, "rg"));
  const tar = spawnSync("tar", ["-czf", join(cache, ripgrep.tarball), "-C", stage, "rg"], { stdio: "inherit" });
  if (tar.status !== 0) throw new Error("Could not build the ripgrep tarball for code-server's install.");
}

/** The user's settings.json, or {} when absent or not plain JSON (VS Code allows comments; then the demo's win). */
function readSettings(file) {
  try {
    const v = JSON.parse(readFileSync(file, "utf8"));
    return typeof v === "object" && v !== null && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

export async function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => res(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

/**
 * Start an isolated code-server: its own XDG dirs, user-data and extensions dirs, config with auth none on
 * 127.0.0.1, a dead extension gallery. Resolves once /healthz answers.
 * @param {{ version?: string, stateDir: string, workspace?: string, userSettings?: object, keepSettings?: boolean, env?: Record<string,string>, port?: number, log?: (s: string) => void }} opts
 */
export async function startCodeServer(opts) {
  const cs = codeServer(opts.version);
  if (!isInstalled(cs.version))
    throw new Error(`code-server ${cs.version} is not installed. Run: node scripts/code-server.mjs install --version ${cs.version}`);
  const port = opts.port ?? (await freePort());
  const state = resolve(opts.stateDir);
  const dirs = {
    config: join(state, "config"),
    data: join(state, "data"),
    userData: join(state, "user-data"),
    extensions: join(state, "extensions"),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  // A short private TMPDIR: unix socket paths are limited to 107 characters.
  const tmp = mkdtempSync("/tmp/cs-");
  const configFile = join(dirs.config, "config.yaml");
  writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const settingsFile = join(dirs.userData, "User", "settings.json");
  if (opts.userSettings) {
    mkdirSync(join(dirs.userData, "User"), { recursive: true });
    // keepSettings: `npm start` keeps what the user changed in an earlier session, except the keys it sets itself
    // (the demo's models and modes follow the sidecar of this session).
    const kept = opts.keepSettings ? readSettings(settingsFile) : {};
    writeFileSync(settingsFile, JSON.stringify({ ...kept, ...opts.userSettings }, null, 2));
  }
  const deadPort = await freePort();
  const args = [
    "--config",
    configFile,
    "--user-data-dir",
    dirs.userData,
    "--extensions-dir",
    dirs.extensions,
    "--disable-telemetry",
    "--disable-update-check",
    "--disable-workspace-trust",
    "--disable-getting-started-override",
  ];
  if (opts.workspace) args.push(opts.workspace);
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    TMPDIR: tmp,
    // Nothing outside is reachable here: make the marketplace lookup fail at once instead of timing out.
    EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: `http://127.0.0.1:${deadPort}/gallery`, itemUrl: `http://127.0.0.1:${deadPort}/item` }),
    ...opts.env,
    ...cs.env,
  };
  // setsid: its own process group, so `kill -- -PID` also ends the file watcher that outlives the main pid.
  const child = spawn("setsid", [cs.bin, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (b) => {
    output = (output + b.toString()).slice(-20000);
    if (opts.log) opts.log(b.toString());
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let exited = false;
  child.once("exit", () => (exited = true));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`code-server exited before it was ready:\n${output}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      killGroup(child.pid);
      throw new Error(`code-server did not answer ${url}/healthz within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  const stop = async () => {
    if (!exited) {
      killGroup(child.pid);
      await Promise.race([new Promise((r) => child.once("exit", r)), new Promise((r) => setTimeout(r, 5000))]);
      if (!exited) killGroup(child.pid, "SIGKILL");
    }
    rmSync(tmp, { recursive: true, force: true });
  };
  return { url, port, pid: child.pid, dirs, version: cs.version, stop, output: () => output };
}

function killGroup(pid, signal = "SIGTERM") {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

/** Install an extension folder or .vsix into an instance's extensions dir, as a user would. */
export function installExtension(vsixPath, extensionsDir, userDataDir, version) {
  const cs = codeServer(version);
  const r = spawnSync(cs.bin, ["--extensions-dir", extensionsDir, "--user-data-dir", userDataDir, "--install-extension", vsixPath, "--force"], {
    encoding: "utf8",
    env: { ...process.env, ...cs.env },
  });
  if (r.status !== 0) throw new Error(`code-server --install-extension ${vsixPath} failed:\n${r.stdout}\n${r.stderr}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [cmd, ...rest] = process.argv.slice(2);
  const i = rest.findIndex((a) => a === "--version" || a.startsWith("--version="));
  const version = i < 0 ? CODE_SERVER_VERSION : rest[i].includes("=") ? rest[i].split("=")[1] : rest[i + 1];
  try {
    if (cmd === "install") {
      const bin = installCodeServer({ version });
      console.log(`code-server ${version}: ${bin}`);
    } else if (cmd === "path") {
      console.log(codeServerBin(version));
    } else {
      console.error(`usage: node scripts/code-server.mjs install|path [--version ${Object.keys(CODE_SERVER_RELEASES).join("|")}]`);
      process.exit(2);
    }
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
