// One build script, six bundles (DESIGN.md): the extension host, the review webview, the sidecar, its helper process, the merge's
// encoding worker, the CLI.
import * as esbuild from "esbuild";

const production = process.argv.includes("--production");
const watch = process.argv.includes("--watch");

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: "info", legalComments: "none" };
/** The sidecar and its disposable helper: Node ESM bundles that load node-llama-cpp (native binaries, ESM with top-level
 *  await) from node_modules, with a `require` for the CommonJS packages bundled into them. */
const nodeEsmWithLlama = {
  platform: "node",
  format: "esm",
  target: "node20",
  external: ["node-llama-cpp"],
  banner: { js: "import { createRequire as __chorusCreateRequire } from 'node:module'; const require = __chorusCreateRequire(import.meta.url);" },
};

/** @type {esbuild.BuildOptions[]} */
const bundles = [
  {
    ...common,
    entryPoints: ["src/vscode/extension.ts"],
    outfile: "dist/extension.js",
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["vscode"],
  },
  { ...common, entryPoints: ["webview/main.ts"], outfile: "dist/webview.js", platform: "browser", format: "esm", target: "es2022" },
  // node-llama-cpp ships native binaries and is ESM with top-level await: it stays external and is loaded from node_modules.
  {
    ...common,
    entryPoints: ["src/sidecar/main.ts"],
    outfile: "dist/sidecar.mjs",
    ...nodeEsmWithLlama,
  },
  // The disposable helper the sidecar and the merge run llama.cpp's model loading and chat templates in (src/sidecar/isolate).
  {
    ...common,
    entryPoints: ["src/sidecar/isolate/child.ts"],
    outfile: "dist/chorus-isolate.mjs",
    ...nodeEsmWithLlama,
  },
  // The merge's k-quant encoding worker threads (src/sidecar/merge/encode-pool.ts), loaded by whichever bundle merges.
  {
    ...common,
    entryPoints: ["src/sidecar/merge/encode-worker.ts"],
    outfile: "dist/chorus-encode-worker.js",
    platform: "node",
    format: "cjs",
    target: "node20",
  },
  {
    ...common,
    entryPoints: ["src/cli/main.ts"],
    outfile: "dist/cli.js",
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["node-llama-cpp"],
    banner: { js: "#!/usr/bin/env node" },
  },
];

if (watch) {
  for (const options of bundles) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(bundles.map((options) => esbuild.build(options)));
}
