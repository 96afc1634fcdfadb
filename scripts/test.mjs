// `npm test`: build, type-check, lint, unit tests (core + sidecar), then the suites that run inside a real
// VS Code (code-server + headless Chromium), in a current release and in the oldest supported one. Stops at the
// first failing stage.
import { spawnSync } from "node:child_process";
import { CURRENT_CODE_SERVER, OLDEST_CODE_SERVER } from "./code-server.mjs";

/** The UI tests that also run in the oldest supported VS Code (title fragments; see the stages below). */
const OLDEST_UI_SMOKE = [
  "after a model call the status bar names the model",
  "choose a collaboration mode from the command palette",
  "review: a two-model debate streams into the panel",
  "inline completions: route mode shows ghost text",
  "the Get Started walkthrough leads to storing an API key",
];

const stages = [
  ["build", "node", ["esbuild.mjs"]],
  ["typecheck", "npx", ["tsc", "-p", ".", "--noEmit"]],
  ["lint", "npx", ["eslint", "."]],
  // One layout for all code (.prettierrc.json): a change that is not formatted fails here; `npm run format` fixes it.
  ["format", "npx", ["prettier", "--check", "."]],
  ["unit", "npm", ["run", "-s", "test:unit"]],
  // --no-build: the build stage above already produced dist/. Users run a current VS Code, so it gets everything:
  // the extension-host suites and every UI test. The oldest supported one (engines.vscode ^1.100.0) gets the
  // extension-host suites — the API surface an older VS Code could lack or treat differently — and one UI test per
  // workbench surface the harness drives (status bar and hover, quick pick, webview panel, ghost text, walkthrough
  // and password box): the full UI suite twice would add ~8 minutes to a CI run that must stay well under 30.
  ["vscode", "node", ["scripts/vscode-tests.mjs", "--no-build", `--code-server=${CURRENT_CODE_SERVER}`]],
  ["vscode-oldest", "node", ["scripts/vscode-tests.mjs", "--no-build", `--code-server=${OLDEST_CODE_SERVER}`, "--only=host"]],
  [
    "vscode-oldest",
    "node",
    ["scripts/vscode-tests.mjs", "--no-build", `--code-server=${OLDEST_CODE_SERVER}`, "--only=ui", `--grep=${OLDEST_UI_SMOKE.join("|")}`],
  ],
];

const only = process.env.CHORUS_TEST_STAGES?.split(",");
for (const [name, cmd, args] of stages) {
  if (only && !only.includes(name)) continue;
  console.log(`\n=== ${name}: ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`\n${name} failed (exit ${r.status ?? r.signal}).`);
    process.exit(r.status ?? 1);
  }
}
