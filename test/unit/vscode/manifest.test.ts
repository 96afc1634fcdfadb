// The extension manifest's promises, checked without starting VS Code: implicit activation, every command in the
// Chorus category, every keybinding with a `when`, walkthrough media that exist and links to real commands, and
// a .vsix allowlist that ships what runs.
import * as assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";

const root = new URL("../../../", import.meta.url);
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as {
  engines: { vscode: string };
  main: string;
  activationEvents?: string[];
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    keybindings?: { command: string; when?: string }[];
    menus?: Record<string, { command?: string; submenu?: string }[]>;
    walkthroughs: { id: string; steps: { id: string; description: string; media: { markdown?: string; image?: string } }[] }[];
  };
};
const commands = new Set(pkg.contributes.commands.map((c) => c.command));

void test("targets VS Code 1.100 (code-server 4.100.3) and activates implicitly", () => {
  assert.equal(pkg.engines.vscode, "^1.100.0");
  assert.ok(!(pkg.activationEvents ?? []).includes("*"));
  assert.equal(pkg.main, "./dist/extension.js");
});

void test("every command is in the Chorus category, with a title", () => {
  assert.deepEqual(
    pkg.contributes.commands.filter((c) => c.category !== "Chorus" || !c.title).map((c) => c.command),
    [],
  );
});

void test("every keybinding has a when clause and names a contributed command", () => {
  for (const k of pkg.contributes.keybindings ?? []) {
    assert.ok(k.when, `keybinding for ${k.command} has no when clause`);
    assert.ok(commands.has(k.command), `keybinding for unknown command ${k.command}`);
  }
});

void test("menus only name contributed commands", () => {
  for (const [menu, items] of Object.entries(pkg.contributes.menus ?? {})) {
    for (const item of items) if (item.command) assert.ok(commands.has(item.command), `${menu} names unknown command ${item.command}`);
  }
});

void test("walkthrough steps have media on disk and link only to contributed commands", () => {
  const steps = pkg.contributes.walkthroughs.flatMap((w) => w.steps);
  assert.ok(steps.length >= 4);
  for (const s of steps) {
    const media = s.media.markdown ?? s.media.image;
    assert.ok(media && existsSync(new URL(media, root)), `step ${s.id}: media ${media} is missing`);
    for (const [, cmd] of s.description.matchAll(/\(command:([\w.]+)/g)) assert.ok(commands.has(cmd!), `step ${s.id} links to unknown command ${cmd}`);
  }
});

void test(".vscodeignore is an allowlist that ships the bundles and media", () => {
  const lines = readFileSync(new URL(".vscodeignore", root), "utf8")
    .split("\n")
    .map((l) => l.trim());
  assert.equal(
    lines.find((l) => l && !l.startsWith("#")),
    "**",
    "everything excluded first",
  );
  for (const keep of [
    "!package.json",
    "!README.md",
    "!LICENSE",
    "!media/**",
    "!dist/extension.js",
    "!dist/webview.js",
    "!dist/sidecar.mjs",
    "!dist/chorus-isolate.mjs",
    "!dist/chorus-encode-worker.js",
  ]) {
    assert.ok(lines.includes(keep), `${keep} missing`);
  }
});
