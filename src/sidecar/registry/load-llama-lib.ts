// Finding node-llama-cpp. In a checkout (and `chorus serve`) it sits in node_modules next to the bundle. A packaged
// extension (.vsix, built with --no-dependencies) does not carry its native binaries, so the extension points the
// sidecar at a runtime folder of its own (CHORUS_NODE_LLAMA_CPP_DIR, holding node_modules/node-llama-cpp), and the
// error says exactly how to fill it.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export type NodeLlamaCpp = typeof import("node-llama-cpp");

export const NODE_LLAMA_CPP_VERSION = "3.22.1";

/** The package's ESM entry inside a runtime folder (its exports map "." to ./dist/index.js). */
export function entryIn(runtimeDir: string): string {
  return join(runtimeDir, "node_modules", "node-llama-cpp", "dist", "index.js");
}

export async function loadNodeLlamaCpp(opts: { runtimeDir?: string; tryBare?: boolean } = {}): Promise<NodeLlamaCpp> {
  const failures: string[] = [];
  if (opts.tryBare !== false) {
    try {
      return await import("node-llama-cpp");
    } catch (e) {
      failures.push(e instanceof Error ? e.message : String(e));
    }
  }
  const dir = opts.runtimeDir;
  if (dir) {
    const entry = entryIn(dir);
    if (existsSync(entry)) {
      try {
        return (await import(pathToFileURL(entry).href)) as NodeLlamaCpp;
      } catch (e) {
        failures.push(`${entry}: ${e instanceof Error ? e.message : String(e)}`);
      }
    } else failures.push(`${entry} does not exist`);
  }
  const fix = dir
    ? `Install it with: npm install --prefix "${dir}" node-llama-cpp@${NODE_LLAMA_CPP_VERSION}`
    : "Run `npm install` in Chorus's folder so that node_modules/node-llama-cpp is present.";
  throw new Error(`llama.cpp (the node-llama-cpp package) could not be loaded (${failures.join("; ")}). ${fix}`);
}

let cached: Promise<NodeLlamaCpp> | undefined;

/** The one node-llama-cpp instance of this process (llama-runtime and the chat templates must share it). */
export function nodeLlamaCpp(): Promise<NodeLlamaCpp> {
  cached ??= loadNodeLlamaCpp({ runtimeDir: process.env.CHORUS_NODE_LLAMA_CPP_DIR || undefined });
  cached.catch(() => (cached = undefined));
  return cached;
}
