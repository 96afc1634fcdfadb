// Entry of the extension-host test run (the @vscode/test-electron contract: `run()` resolves when every test
// passed). Used by both runners: scripts/vscode-tests.mjs (code-server + Chromium) and
// scripts/vscode-tests-electron.mjs (desktop VS Code). Loads every compiled *.test.js beside this file.
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Mocha from "mocha";

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: "bdd", color: false, timeout: 30_000, reporter: "spec" });
  const only = process.env.CHORUS_VSCODE_TEST_GREP;
  if (only) mocha.grep(only);
  for (const f of readdirSync(__dirname)
    .filter((n) => n.endsWith(".test.js"))
    .sort())
    mocha.addFile(join(__dirname, f));
  const passed: string[] = [];
  const failed: { title: string; error: string }[] = [];
  // The code-server runner echoes only what is logged between these two markers.
  console.log("chorus-tests: start");
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      console.log("chorus-tests: end");
      // The runner reads this to count tests (the workbench only reports one exit code).
      const out = process.env.CHORUS_VSCODE_TEST_RESULTS;
      if (out) writeFileSync(out, JSON.stringify({ passed, failed }, null, 2));
      if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed.`));
      else resolve();
    });
    runner.on("pass", (t) => passed.push(t.fullTitle()));
    runner.on("fail", (t, err: unknown) => failed.push({ title: t.fullTitle(), error: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
  });
}
