// The k-quant fitting kernel is committed as an embedded binary next to its text source; a kernel edited without
// rebuilding the binary would silently keep running the old code (byte parity is kquant-parity.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
// @ts-expect-error: a plain ESM script without type declarations
import { embeddedModuleText } from "../../../scripts/build-wasm.mjs";

void test("the embedded k-quant fitting kernel binary is built from the current .wat source", async () => {
  const dir = join(import.meta.dirname, "../../../src/sidecar/gguf/codecs/kernels");
  const expected = (await embeddedModuleText(join(dir, "kquant-fit.wat"))) as string;
  assert.equal(readFileSync(join(dir, "kquant-fit.wasm.ts"), "utf8"), expected, "run node scripts/build-wasm.mjs");
});
