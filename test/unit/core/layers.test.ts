// The layer zones of docs/ARCHITECTURE.md are a lint rule (eslint.config.mjs, layers/no-cross-layer-import): an
// import that crosses a layer must fail the lint stage of `npm test`, and the imports the layers are allowed must not.
import * as assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { ESLint, type Linter } from "eslint";

const ROOT = join(import.meta.dirname, "..", "..", "..");

async function layerErrors(file: string, code: string): Promise<string[]> {
  const config = ((await import(join(ROOT, "eslint.config.mjs"))) as { default: Linter.Config[] }).default;
  const layers = config.find((c) => c.plugins?.layers);
  assert.ok(layers, "eslint.config.mjs has the layers block");
  // Only the layer rule, without the type-aware rules (which need the file to exist in the TS project).
  const eslint = new ESLint({
    cwd: ROOT,
    overrideConfigFile: true,
    overrideConfig: [{ files: ["**/*.ts"], languageOptions: { parser: (await import("typescript-eslint")).parser } }, layers],
  });
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return (result?.messages ?? []).map((m) => m.message);
}

void test("an import that crosses a layer fails the lint", async () => {
  const cases: [file: string, code: string, names: RegExp][] = [
    ["src/core/x.ts", `import { GgufReader } from "../sidecar/gguf/reader";`, /src\/core is the engine/],
    ["src/core/collab/api/x.ts", `import * as vscode from "vscode";`, /Only src\/vscode may import vscode/],
    ["src/sidecar/mixing/x.ts", `import { runReview } from "../../core/collab/text/review";`, /model server/],
    ["src/cli/commands/x.ts", `import { benchCodecs } from "../../../bench/routing-folds";`, /top layer beside src\/vscode/],
    ["src/vscode/x.ts", `export * from "../cli/engine";`, /top layer beside src\/cli/],
    ["webview/x.ts", `import type { Finding } from "../src/core/collab/text/findings";`, /one module/],
  ];
  for (const [file, code, why] of cases) {
    const errors = await layerErrors(file, code);
    assert.equal(errors.length, 1, `${file}: ${code} → ${JSON.stringify(errors)}`);
    assert.match(errors[0]!, why);
  }
});

void test("the imports each layer is allowed pass", async () => {
  const cases: [file: string, code: string][] = [
    ["src/cli/commands/x.ts", `import { benchCodecs } from "../../bench/codecs";`],
    ["src/sidecar/server/x.ts", `import { ProviderError } from "../../core/providers/errors";`],
    ["src/vscode/x.ts", `import * as vscode from "vscode"; import { Engine } from "../core/engine";`],
    ["webview/x.ts", `import type { Finding } from "../src/core/collab/text/panel-messages";`],
    ["bench/x.ts", `import { runRoutingBench } from "../src/bench/routing";`],
  ];
  for (const [file, code] of cases) assert.deepEqual(await layerErrors(file, code), [], `${file}: ${code}`);
});
