// `npm run test:vscode`: Chorus inside a real VS Code — code-server driven by headless Chromium (4.100.3, the oldest
// VS Code Chorus supports, unless --code-server=VERSION names another, e.g. 4.139.1, a current one).
//   1. build the extension; compile the extension-host suites test/vscode/*.ts into out/vscode/
//   2. start the stand-in model servers (test/fixtures), write the instance's settings.json to point at them
//   3. extension-host suites: open the workbench with the test-electron payload, wait for codeAutomationExit
//   4. UI tests: every test/e2e/*.e2e.ts, each test in a fresh code-server + browser page
//   5. print "N passed, N failed", exit non-zero on failure, and always stop every process it started.
// Options: --code-server=VERSION, --no-build, --only=host|ui, --grep=TEXT (test titles; for UI tests `A|B` picks titles containing A or B), --keep (keep state dirs), --vsix=FILE (UI tests
// against Chorus installed from that package instead of this checkout), CHORUS_E2E_HEADED=1.
import { spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { format } from "node:util";
import { chromium } from "playwright-core";
import { allowDevelopmentPayload } from "./workbench-dev-mode.mjs";
import { CODE_SERVER_VERSION, codeServer, installCodeServer, installExtension, ROOT, startCodeServer } from "./code-server.mjs";
import { compileSuites, freshState as makeState, importTs, resetFakes, startFakes, SUITE_ENTRY, testEnv, userSettings } from "./vscode-test-setup.mjs";

const args = process.argv.slice(2);
const flag = (name) => args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`))?.split("=")[1] ?? (args.includes(`--${name}`) ? "" : undefined);
const only = flag("only");
const grep = flag("grep");
const vsix = flag("vsix") ? resolve(flag("vsix")) : undefined;
// Which VS Code: one code path for every version; codeServer() refuses a version it does not know.
const version = codeServer(flag("code-server") || CODE_SERVER_VERSION).version;
const RESULTS_DIR = join(ROOT, "test-results");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

// test/vscode/index.ts logs these around the mocha run: only what lies between is echoed to the console.
const SUITE_START = "chorus-tests: start";
const SUITE_END = "chorus-tests: end";
const UI_TEST_ATTEMPTS = Number(process.env.CHORUS_UI_ATTEMPTS ?? 2);
const UI_TEST_TIMEOUT_MS = 180_000;
const cleanups = [];
const results = { passed: [], failed: [] };
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

async function cleanup() {
  while (cleanups.length) {
    const fn = cleanups.pop();
    try {
      await fn();
    } catch (e) {
      console.error(`cleanup: ${e instanceof Error ? e.message : e}`);
    }
  }
}
for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => void cleanup().then(() => process.exit(130)));

function step(title) {
  console.log(`\n[vscode-tests ${elapsed()}] ${title}`);
}

// State dirs of another version are tagged (v139-…) so two runs never share user data; the tag counts against the
// same name length in UI tests, because code-server puts a unix socket (107 characters at most) inside the user-data dir.
const STATE_TAG = version === CODE_SERVER_VERSION ? "" : `v${version.split(".")[1]}-`;
const freshState = (name, from) => makeState(`${STATE_TAG}${name}`, { keep: flag("keep") !== undefined, cleanups, from });

async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}. Install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: !process.env.CHORUS_E2E_HEADED, args: CHROMIUM_ARGS });
  cleanups.push(() => browser.close());
  return browser;
}

function workbenchUrl(server, workspace, payload) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const pairs = Object.entries(payload).map(([k, v]) => [k, remote(v)]);
  return `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(pairs))}`;
}

async function runHostSuites(browser, fakes) {
  step("extension-host suites (test/vscode)");
  const { dir, workspace } = freshState("host");
  const resultsFile = join(dir, "host-results.json");
  const env = { ...testEnv(fakes), CHORUS_VSCODE_TEST_RESULTS: resultsFile, ...(grep ? { CHORUS_VSCODE_TEST_GREP: grep } : {}) };
  const server = await startCodeServer({ version, stateDir: dir, workspace, userSettings: userSettings(fakes), env });
  cleanups.push(server.stop);
  const hostContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await allowDevelopmentPayload(hostContext);
  const page = await hostContext.newPage();
  let exit;
  const exited = new Promise((resolve) => (exit = resolve));
  // The workbench forwards its own log lines (strings) and the extension host's console (format + args, e.g. the
  // mocha reporter). Show the tests' output; keep the whole log in test-results/ for when something breaks.
  mkdirSync(RESULTS_DIR, { recursive: true });
  const logFile = join(RESULTS_DIR, "vscode-host.log");
  writeFileSync(logFile, "");
  let echo = false;
  await page.exposeFunction("codeAutomationLog", (level, message) => {
    const text = Array.isArray(message) ? format(...message) : String(message);
    appendFileSync(logFile, `[${level}] ${text}\n`);
    if (text.includes(SUITE_START)) echo = true;
    if (echo) for (const line of text.split("\n")) if (!line.includes("chorus-tests:")) console.log(`  | ${line}`);
    if (text.includes(SUITE_END)) echo = false;
  });
  await page.exposeFunction("codeAutomationExit", (code) => exit(code));
  await page.goto(workbenchUrl(server, workspace, { extensionDevelopmentPath: ROOT, extensionTestsPath: SUITE_ENTRY }));
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("timeout"), 300_000))]);
  await page.context().close();
  await server.stop();
  let counted = false;
  if (existsSync(resultsFile)) {
    const r = JSON.parse(readFileSync(resultsFile, "utf8"));
    results.passed.push(...r.passed.map((t) => `host: ${t}`));
    results.failed.push(...r.failed.map((f) => ({ title: `host: ${f.title}`, error: f.error })));
    counted = true;
  }
  if (code !== 0 && (!counted || results.failed.length === 0)) {
    results.failed.push({
      title: "host: suite run",
      error: `${code === "timeout" ? "no codeAutomationExit within 300 s" : `exit code ${code}`}; see ${relative(ROOT, logFile)}\n${server.output().slice(-3000)}`,
    });
  }
  console.log(`  extension-host suites finished with exit code ${code} (${elapsed()})`);
}

async function runUiTests(browser, fakes) {
  step("UI tests (test/e2e/*.e2e.ts)");
  const harness = await importTs("../test/e2e/harness.ts");
  const files = readdirSync(join(ROOT, "test", "e2e"))
    .filter((f) => f.endsWith(".e2e.ts"))
    .sort();
  for (const f of files) await importTs(`../test/e2e/${f}`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  for (const test of harness.registeredTests()) {
    if (grep && !grep.split("|").some((part) => test.name.includes(part))) continue;
    const started = Date.now();
    const slug = test.name.replace(/[^a-z0-9]+/gi, "-").toLowerCase();
    // Screenshots of an earlier run of this test would mislead: drop them.
    for (const old of readdirSync(RESULTS_DIR).filter((f) => f.startsWith(`${slug}-`))) rmSync(join(RESULTS_DIR, old), { force: true });
    // A UI test gets one more try in a fresh window: on a loaded two-core machine the workbench sometimes moves
    // focus or paints late. A real fault fails both tries; a pass on the second try is printed as flaky.
    let firstError;
    for (let attempt = 1; attempt <= UI_TEST_ATTEMPTS; attempt++) {
      const error = await runUiTestOnce(harness, browser, fakes, test, slug, attempt);
      if (!error) {
        results.passed.push(`ui: ${test.name}`);
        const flaky = firstError ? ` — passed on try ${attempt}; first try: ${firstError.split("\n")[0]}` : "";
        console.log(`  ✔ ${test.name} (${((Date.now() - started) / 1000).toFixed(1)} s)${flaky}`);
        break;
      }
      firstError ??= error;
      if (attempt === UI_TEST_ATTEMPTS) {
        results.failed.push({
          title: `ui: ${test.name}`,
          error: attempt > 1 ? `${error}\n  (failed ${attempt} tries; first: ${firstError.split("\n")[0]})` : error,
        });
        console.log(`  ✘ ${test.name}`);
      }
    }
  }
}

/** This checkout as an installed extension (<publisher>.<name>-<version>, the folder VS Code scans at startup). */
function linkCheckoutAsExtension(extensionsDir) {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  mkdirSync(extensionsDir, { recursive: true });
  symlinkSync(ROOT, join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`), "dir");
}

/** One try of one UI test in a fresh code-server and browser context; returns the error text, or undefined. */
async function runUiTestOnce(harness, browser, fakes, test, slug, attempt) {
  resetFakes(fakes);
  const { dir, workspace } = freshState(`ui-${slug}`.slice(0, 36 - STATE_TAG.length) + `-${attempt}`, test.workspace);
  for (const [rel, content] of Object.entries(test.userDataFiles ?? {})) {
    const file = join(dir, "user-data", rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  // Chorus is installed in the instance's extensions dir, as a user has it: from the package (--vsix), or this
  // checkout linked in. Not through the development payload: VS Code 1.139 honours that only with the smoke-test
  // driver on, and then shows no notification toasts, which the UI tests click.
  if (vsix) installExtension(vsix, join(dir, "extensions"), join(dir, "user-data"), version);
  else linkCheckoutAsExtension(join(dir, "extensions"));
  const server = await startCodeServer({
    version,
    stateDir: dir,
    workspace,
    userSettings: { ...userSettings(fakes), ...test.settings?.(fakes) },
    env: testEnv(fakes),
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const wb = new harness.Workbench(page, { resultsDir: RESULTS_DIR, slug, fakes, userDataDir: join(dir, "user-data") });
  try {
    // --vsix=FILE: the UI tests run against Chorus installed from a package, as a user gets it.
    await wb.open(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
    let timer;
    const limit = new Promise(
      (_, rej) => (timer = setTimeout(() => rej(new Error(`the test did not finish within ${UI_TEST_TIMEOUT_MS / 1000} s`)), UI_TEST_TIMEOUT_MS)),
    );
    await Promise.race([test.run(wb), limit]).finally(() => clearTimeout(timer));
    return undefined;
  } catch (e) {
    const shot = await wb.screenshot(attempt > 1 ? `failure-${attempt}` : "failure").catch(() => undefined);
    writeFileSync(join(RESULTS_DIR, `${slug}-server${attempt > 1 ? `-${attempt}` : ""}.log`), server.output());
    keepExtensionRecords(harness, join(dir, "user-data"), `${slug}${attempt > 1 ? `-${attempt}` : ""}`);
    return `${shortStack(e)}${shot ? `\n  screenshot: ${relative(ROOT, shot)}` : ""}`;
  } finally {
    const t = Date.now();
    await context.close();
    await server.stop();
    if (process.env.CHORUS_E2E_TRACE) console.log(`    · closed and stopped in ${Date.now() - t} ms`);
  }
}

/**
 * After a failure, what the extension itself recorded: its "Chorus" log channel (VS Code writes it under the user
 * data's logs) and its ledger of model calls (metadata only, never code), so a failure seen only in CI can be read.
 */
function keepExtensionRecords(harness, userData, name) {
  try {
    const found = harness.filesUnder(userData, (n) => n === "Chorus.log" || /^ledger.*\.jsonl$/.test(n));
    for (const [i, p] of found.entries()) copyFileSync(p, join(RESULTS_DIR, `${name}-${i}-${basename(p)}`));
  } catch (e) {
    console.log(`    (could not keep the extension's log and ledger: ${e instanceof Error ? e.message : e})`);
  }
}

/** The error and the stack frames worth reading (the loader's data: URLs make the raw stack unreadable). */
function shortStack(e) {
  if (!(e instanceof Error)) return String(e);
  const frames = (e.stack ?? "")
    .split("\n")
    .slice(1)
    .filter((l) => /\.(ts|mjs):\d/.test(l) && !l.includes("node_modules"));
  const fromData = /filePath=([^?\s)]+)/.exec(e.stack ?? "")?.[1];
  return [e.message, ...frames.map((l) => l.trim().slice(0, 200)), fromData ? `in ${decodeURIComponent(fromData)}` : ""].filter(Boolean).join("\n");
}

let exitCode = 1;
try {
  if (flag("no-build") === undefined) {
    step("build");
    const b = spawnSync("node", ["esbuild.mjs"], { cwd: ROOT, stdio: "inherit" });
    if (b.status !== 0) throw new Error("the build failed (see above)");
  }
  await compileSuites();
  step(`code-server ${version} (VS Code ${codeServer(version).release.vscode})`);
  installCodeServer({ version });
  const fakes = await startFakes(cleanups);
  const browser = await launchBrowser();
  if (only !== "ui") await runHostSuites(browser, fakes);
  if (only !== "host") await runUiTests(browser, fakes);
  for (const f of results.failed) console.log(`\n✘ ${f.title}\n${f.error.replace(/^/gm, "    ")}`);
  exitCode = results.failed.length === 0 && results.passed.length > 0 ? 0 : 1;
} catch (e) {
  console.error(`\nvscode tests could not run: ${e instanceof Error ? e.message : e}`);
  results.failed.push({ title: "harness", error: String(e) });
} finally {
  await cleanup();
}
console.log(`\n${results.passed.length} passed, ${results.failed.length} failed in code-server ${version} (${elapsed()})`);
process.exit(exitCode);
