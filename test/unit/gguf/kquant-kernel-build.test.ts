// The k-quant fitting kernel is committed as an embedded binary next to its text source; a kernel edited without
// rebuilding the binary would silently keep running the old code (byte parity is kquant-parity.test.ts). And an
// engine that cannot compile it gets an error that says what is missing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { quantize } from "../../../src/sidecar/gguf/codecs/index";
import { useFitKernelForTests } from "../../../src/sidecar/gguf/codecs/kquant-fit";
import { GgmlType } from "../../../src/sidecar/gguf/types";
// @ts-expect-error: a plain ESM script without type declarations
import { embeddedModuleText } from "../../../scripts/build-wasm.mjs";

void test("the embedded k-quant fitting kernel binary is built from the current .wat source", async () => {
  const dir = join(import.meta.dirname, "../../../src/sidecar/gguf/codecs/kernels");
  const expected = (await embeddedModuleText(join(dir, "kquant-fit.wat"))) as string;
  assert.equal(readFileSync(join(dir, "kquant-fit.wasm.ts"), "utf8"), expected, "run node scripts/build-wasm.mjs");
});

void test("a kernel the engine cannot compile makes the encoders fail with an error that says what they need", () => {
  // A truncated binary stands in for an engine without WebAssembly SIMD: both fail in WebAssembly.Module.
  useFitKernelForTests(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1]));
  try {
    assert.throws(() => quantize(GgmlType.Q4_K, new Float32Array(256)), /needs WebAssembly SIMD: run Chorus on Node\.js 20 or later/);
  } finally {
    useFitKernelForTests(undefined);
  }
  assert.equal(quantize(GgmlType.Q4_K, new Float32Array(256)).length, 144, "the built-in kernel is back");
});
