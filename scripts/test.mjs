// `npm test`: build, type-check, lint, unit tests (core + sidecar), then the suites that run inside a real
// VS Code (code-server + headless Chromium). Stops at the first failing stage.
import { spawnSync } from "node:child_process";

const stages = [
  ["build", "node", ["esbuild.mjs"]],
  ["typecheck", "npx", ["tsc", "-p", ".", "--noEmit"]],
  ["lint", "npx", ["eslint", "."]],
  // One layout for all code (.prettierrc.json): a change that is not formatted fails here; `npm run format` fixes it.
  ["format", "npx", ["prettier", "--check", "."]],
  ["unit", "npm", ["run", "-s", "test:unit"]],
  // --no-build: the build stage above already produced dist/.
  ["vscode", "node", ["scripts/vscode-tests.mjs", "--no-build"]],
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
