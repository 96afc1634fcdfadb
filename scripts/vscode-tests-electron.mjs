// The extension-host suites (test/vscode) through @vscode/test-electron, on a desktop where VS Code can be
// downloaded (or is installed: set VSCODE_EXECUTABLE to its binary). Same suites as `npm run test:vscode`,
// which runs them in code-server because no desktop VS Code can be downloaded on the build machines.
//   node scripts/vscode-tests-electron.mjs [--no-build] [--grep=TEXT]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runTests } from "@vscode/test-electron";
import { ROOT } from "./code-server.mjs";
import { compileSuites, freshState, startFakes, SUITE_ENTRY, testEnv, userSettings } from "./vscode-test-setup.mjs";

const VSCODE_VERSION = "1.100.3"; // the VS Code inside code-server 4.100.3: one API level for both runners
const args = process.argv.slice(2);
const grep = args.find((a) => a.startsWith("--grep="))?.slice(7);
const cleanups = [];

let code = 1;
try {
  if (!args.includes("--no-build")) {
    const b = spawnSync("node", ["esbuild.mjs"], { cwd: ROOT, stdio: "inherit" });
    if (b.status !== 0) throw new Error("the build failed (see above)");
  }
  await compileSuites();
  const fakes = await startFakes(cleanups);
  const { dir, workspace } = freshState("electron", { cleanups });
  const userData = join(dir, "user-data");
  mkdirSync(join(userData, "User"), { recursive: true });
  writeFileSync(join(userData, "User", "settings.json"), JSON.stringify(userSettings(fakes), null, 2));
  const resultsFile = join(dir, "results.json");
  try {
    code = await runTests({
      version: VSCODE_VERSION,
      vscodeExecutablePath: process.env.VSCODE_EXECUTABLE || undefined,
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: SUITE_ENTRY,
      extensionTestsEnv: { ...testEnv(fakes), CHORUS_VSCODE_TEST_RESULTS: resultsFile, ...(grep ? { CHORUS_VSCODE_TEST_GREP: grep } : {}) },
      launchArgs: [
        workspace,
        "--user-data-dir",
        userData,
        "--extensions-dir",
        join(dir, "extensions"),
        "--disable-workspace-trust",
        "--skip-welcome",
        "--skip-release-notes",
      ],
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|getaddrinfo|download|fetch failed|socket/i.test(message)) {
      console.error(
        `\nCould not download VS Code ${VSCODE_VERSION} (${message}).\n` +
          `This runner needs a desktop VS Code: run it where update.code.visualstudio.com is reachable, or set ` +
          `VSCODE_EXECUTABLE to an installed VS Code binary. Without either, use \`npm run test:vscode\` (code-server).`,
      );
      code = 2;
    } else {
      console.error(`\nThe extension-host tests failed: ${message}`);
      code = 1;
    }
  }
  if (existsSync(resultsFile)) {
    const r = JSON.parse(readFileSync(resultsFile, "utf8"));
    console.log(`\n${r.passed.length} passed, ${r.failed.length} failed`);
  }
} catch (e) {
  console.error(`vscode electron tests could not run: ${e instanceof Error ? e.message : e}`);
} finally {
  for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => undefined);
}
process.exit(code);
