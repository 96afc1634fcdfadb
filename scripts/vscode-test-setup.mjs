// What both real-VS-Code runners share: compiling the extension-host suites, the stand-in model servers, the
// instance's user settings, and fresh state folders. scripts/vscode-tests.mjs (code-server + Chromium) and
// scripts/vscode-tests-electron.mjs (desktop VS Code through @vscode/test-electron) both use it.
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { tsImport } from "tsx/esm/api";
import { ROOT } from "./code-server.mjs";

export const STATE_ROOT = join(ROOT, ".cache", "vscode-test");
export const SUITE_ENTRY = join(ROOT, "out", "vscode", "index.js");
/** The stand-in servers answer "<prefix><model>" unless a test scripts otherwise. */
export const REPLY_PREFIX = "fake reply from ";
/** The key the fake OpenAI endpoint accepts (it answers 401 to anything else, as OpenAI does). */
export const FAKE_OPENAI_KEY = "sk-chorus-test";

/** Load a TypeScript module (fixtures, UI tests) without a compile step. */
export const importTs = (path) => tsImport(path, import.meta.url);

/** test/vscode/*.ts → out/vscode/*.js, one CommonJS bundle each (vscode and mocha come from the host). */
export async function compileSuites() {
  const dir = join(ROOT, "test", "vscode");
  const entries = readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(dir, f));
  rmSync(join(ROOT, "out", "vscode"), { recursive: true, force: true });
  await esbuild.build({
    entryPoints: entries,
    outdir: join(ROOT, "out", "vscode"),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    sourcemap: "inline",
    external: ["vscode", "mocha"],
    logLevel: "warning",
  });
}

/** Start the stand-in servers; `cleanups` receives their stop functions. */
export async function startFakes(cleanups) {
  const { startFakeOllama } = await importTs("../test/fixtures/fake-ollama.ts");
  // A pulled Ollama cloud model is listed like the others but with a remote_host (Ollama ≥ 0.12): Ollama forwards
  // its requests to ollama.com, so the privacy UI test checks that protected content never reaches it.
  const cloud = { name: "qwen3-coder:480b-cloud", remoteHost: "https://ollama.com:443" };
  // llama3.2 has no FIM in Ollama (its template has no .Suffix, so /api/show lists no "insert" and a suffix gets
  // 400 "does not support insert"); qwen2.5-coder has.
  const llama = { name: "llama3.2:1b", family: "llama", fim: false };
  const ollama = await startFakeOllama({ models: ["qwen2.5-coder:1.5b", llama, cloud], replyPrefix: REPLY_PREFIX });
  cleanups.push(() => ollama.close());
  // An OpenAI-compatible endpoint that wants a key: tests add a model on it and store the key with Set API Key.
  const { startFakeOpenAI } = await importTs("../test/fixtures/fake-openai.ts");
  const openai = await startFakeOpenAI({ models: ["gpt-4o-mini"], apiKey: FAKE_OPENAI_KEY, replyPrefix: REPLY_PREFIX });
  cleanups.push(() => openai.close());
  return { ollama, openai };
}

/** Back to the scripted default between UI tests, so one test's reply function, fault or requests never leak
 *  into the next (the stand-in servers live for the whole run). */
export function resetFakes(fakes) {
  for (const server of Object.values(fakes)) {
    server.setFault(undefined);
    server.setReply((r) => `${REPLY_PREFIX}${r.model ?? "?"}`);
    server.requests.length = 0;
  }
}

/** Environment the extension host sees (env vars set on the server reach it). */
export function testEnv(fakes) {
  return { CHORUS_TEST_OLLAMA_URL: fakes.ollama.url, CHORUS_TEST_OPENAI_URL: fakes.openai.url, CHORUS_TEST_OPENAI_KEY: FAKE_OPENAI_KEY };
}

/** The instance's user settings: the models point at the stand-in servers, and the workbench stays quiet. */
export function userSettings(fakes) {
  return {
    "chorus.models": [{ id: "fake-local", provider: "ollama", endpoint: fakes.ollama.url, model: "qwen2.5-coder:1.5b", tags: ["local", "fast", "code"] }],
    "chorus.ollamaUrl": fakes.ollama.url,
    // The sidecar in tests: CPU only, one thread (the test machine's cores are shared), no user's Ollama store.
    "chorus.sidecar.gpu": false,
    "chorus.sidecar.threads": 1,
    "chorus.sidecar.useOllamaModels": false,
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    // VS Code 1.139 opens the Chat view in the secondary side bar by default (1.100: hidden); it takes a third of the
    // 1280-px window and wraps the editors' lines mid-word, so the same layout as 1.100 keeps the tests comparable.
    "workbench.secondarySideBar.defaultVisibility": "hidden",
    "workbench.welcomePage.walkthroughs.openOnInstall": false,
    "security.workspace.trust.enabled": false,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "extensions.ignoreRecommendations": true,
    "git.enabled": false,
    "git.openRepositoryInParentFolders": "never",
  };
}

/** A fresh state dir holding a copy of the fixture workspace, so tests may edit files freely. */
/** Machine settings of every test instance; a UI test may replace the file through userDataFiles. */
export const MACHINE_SETTINGS = { "workbench.welcomePage.walkthroughs.openOnInstall": false };

export function freshState(name, { keep = false, cleanups, from = join("test", "fixtures", "workspace") }) {
  const dir = join(STATE_ROOT, `${process.pid}-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const workspace = join(dir, "workspace");
  cpSync(join(ROOT, from), workspace, { recursive: true });
  // Machine-scoped settings (such as VS Code's walkthroughs.openOnInstall, which Chorus's first-run walkthrough
  // respects) reach code-server's extension host only from its Machine settings, not from the user's.
  mkdirSync(join(dir, "user-data", "Machine"), { recursive: true });
  writeFileSync(join(dir, "user-data", "Machine", "settings.json"), JSON.stringify(MACHINE_SETTINGS, null, 2));
  if (!keep) cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, workspace };
}
