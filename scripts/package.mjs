// `npm run package`: chorus.vsix with @vscode/vsce. The extension, webview and CLI are self-contained bundles,
// but the sidecar (dist/sidecar.mjs) loads node-llama-cpp — native binaries, ESM — from node_modules at runtime.
// So the package holds exactly node-llama-cpp's production dependency closure as installed here, with the CPU
// prebuilt binary for this platform (GPU variants are hundreds of MB) and without llama.cpp's source bundle
// (only needed to compile from source). .vscodeignore stays the allowlist
// of everything else; this script adds those folders to a temporary copy of it.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { ROOT } from "./code-server.mjs";

const RUNTIME_ROOT = "node-llama-cpp";
/** Prebuilt llama.cpp binaries: only this machine's CPU build (`npm run package` makes a package per platform;
 *  the GPU builds are hundreds of MB). */
const THIS_PLATFORM_BINARY = `@node-llama-cpp/${process.platform}-${process.arch}`;
const skipPackage = (name) => name.startsWith("@node-llama-cpp/") && name !== THIS_PLATFORM_BINARY;
/** llama.cpp's sources, used only to compile from source (34 MB). */
const EXCLUDE = new Set(["node_modules/node-llama-cpp/llama/gitRelease.bundle"]);

/** Node's lookup: <from>/node_modules/<name>, then each parent's, up to the project root. */
function resolvePackageDir(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dir === ROOT || dir === dirname(dir)) return undefined;
  }
}

/** Every installed package node-llama-cpp needs at runtime (dependencies + installed optional ones). */
function runtimeClosure() {
  const dirs = new Set();
  const visit = (name, fromDir, optional) => {
    if (skipPackage(name)) return;
    const dir = resolvePackageDir(name, fromDir);
    if (!dir) {
      if (optional) return;
      throw new Error(`${name} (needed by the sidecar at runtime) is not installed: run npm install first`);
    }
    if (dirs.has(dir)) return;
    dirs.add(dir);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  visit(RUNTIME_ROOT, ROOT, false);
  return [...dirs].map((d) => relative(ROOT, d)).sort();
}

/**
 * Allowlist lines for `dir`. vsce lets any `!pattern` win over every exclusion, so an excluded file cannot be
 * carved out of an allowed folder: folders holding one are listed entry by entry instead.
 */
function allowLines(dir) {
  const holdsExcluded = [...EXCLUDE].some((x) => x.startsWith(`${dir}/`));
  if (!holdsExcluded) return [`!${dir}/**`];
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (EXCLUDE.has(path)) return [];
    return e.isDirectory() ? allowLines(path) : [`!${path}`];
  });
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status})`);
}

const tmp = mkdtempSync(join(tmpdir(), "chorus-package-"));
try {
  run(process.execPath, ["esbuild.mjs", "--production"]);
  const closure = runtimeClosure();
  const ignoreFile = join(tmp, ".vscodeignore");
  const base = readFileSync(join(ROOT, ".vscodeignore"), "utf8");
  const allow = closure.flatMap(allowLines);
  writeFileSync(ignoreFile, `${base}\n# added by scripts/package.mjs: the sidecar's runtime\n${allow.join("\n")}\n`);
  console.log(`sidecar runtime: ${closure.length} packages (${closure.filter((d) => d.includes("@node-llama-cpp/")).join(", ") || "no prebuilt binaries!"})`);
  // Dependencies on (no --no-dependencies): vsce only considers node_modules folders npm lists as production.
  run("npx", ["vsce", "package", "--ignoreFile", ignoreFile, "--allow-missing-repository", "--out", "chorus.vsix"]);
  const mb = statSync(join(ROOT, "chorus.vsix")).size / 1024 / 1024;
  console.log(`chorus.vsix: ${mb.toFixed(1)} MB`);
} catch (e) {
  console.error(`npm run package failed: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
