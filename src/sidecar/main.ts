// The sidecar process (dist/sidecar.mjs). Started by the extension (process.execPath with ELECTRON_RUN_AS_NODE=1)
// or by hand. Reads its token from CHORUS_SIDECAR_TOKEN and its settings from CHORUS_SIDECAR_CONFIG (JSON), and
// prints one ready line on stdout — `CHORUS_SIDECAR_READY {"port":…}` — that the parent waits for. Logs go to
// stderr. It exits when its parent goes away (stdin closes) or on SIGTERM/SIGINT.

import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { checkDemoModels, demoPresets } from "./demo";
import { parseLaunchConfig } from "./server/config";
import { startSidecar, type RunningSidecar } from "./server/start";

export const READY_PREFIX = "CHORUS_SIDECAR_READY ";

const log = (message: string) => process.stderr.write(`[sidecar] ${message}\n`);

async function main(): Promise<void> {
  let raw: unknown;
  try {
    raw = process.env.CHORUS_SIDECAR_CONFIG ? JSON.parse(process.env.CHORUS_SIDECAR_CONFIG) : {};
  } catch (e) {
    log(`CHORUS_SIDECAR_CONFIG is not valid JSON (${e instanceof Error ? e.message : String(e)}); using defaults.`);
  }
  const { config, problems } = parseLaunchConfig(raw, availableParallelism());
  problems.forEach(log);
  const envToken = process.env.CHORUS_SIDECAR_TOKEN;
  const token = envToken && envToken.length >= 16 ? envToken : randomBytes(24).toString("hex");
  const folders = [...config.modelFolders];
  let demo = false;
  if (config.demoModelsDir) {
    try {
      folders.push(checkDemoModels(config.demoModelsDir));
      demo = true;
    } catch (e) {
      log(`no demo models: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const sidecar: RunningSidecar = await startSidecar({
    ...config,
    modelFolders: folders,
    token,
    builtInPresets: demo ? demoPresets() : [],
    log,
  });
  sidecar.problems().forEach(log);
  const ready: Record<string, unknown> = { port: sidecar.port, url: sidecar.url, pid: process.pid };
  // Only a token the parent did not choose is printed (someone started the sidecar by hand).
  if (token !== envToken) ready.token = token;
  process.stdout.write(`${READY_PREFIX}${JSON.stringify(ready)}\n`);

  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    log(`stopping (${why})`);
    const force = setTimeout(() => process.exit(0), 3000);
    force.unref();
    sidecar.stop().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  if (!process.stdin.isTTY) {
    process.stdin.on("end", () => stop("parent went away"));
    process.stdin.on("error", () => stop("parent went away"));
    process.stdin.resume();
  }
}

// A request handler never lets an error escape (http.ts); anything that still does is logged, not fatal,
// except a truly uncaught exception, after which the state is unknown: exit and let the parent restart us.
process.on("unhandledRejection", (e) => log(`unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
process.on("uncaughtException", (e) => {
  log(`uncaught exception: ${e.stack ?? e.message}`);
  process.exit(1);
});

main().catch((e: unknown) => {
  log(`failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
