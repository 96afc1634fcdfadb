// llama.cpp's own quantizer as a reference: test/fixtures/ggml-reference.py calls ggml_quantize_chunk and
// llama_model_quantize in the shared libraries node-llama-cpp ships (the build the tests load models with), through
// Python's ctypes. Where Python or those libraries are missing, `unavailable` says why and the tests skip.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { GgmlType } from "../../../src/sidecar/gguf/types";

const SCRIPT = join(__dirname, "../../fixtures/ggml-reference.py");
const platform = `${process.platform}-${process.arch}`;
const LIB_DIR = join(__dirname, "../../../node_modules/@node-llama-cpp", platform, "bins", platform);

function whyUnavailable(): string | undefined {
  if (!existsSync(join(LIB_DIR, "libggml-base.so"))) return `no llama.cpp shared libraries for ${platform} in node_modules/@node-llama-cpp`;
  try {
    execFileSync("python3", ["-c", "import ctypes"], { stdio: "ignore" });
  } catch {
    return "python3 (with ctypes) is not installed";
  }
  return undefined;
}

export const unavailable: string | undefined = whyUnavailable();

/** ggml_quantize_chunk(type, values) without an importance matrix: what llama-quantize writes for one tensor. */
export function ggmlQuantize(type: GgmlType, values: Float32Array, rowLength: number, scratch: string): Uint8Array {
  writeFileSync(`${scratch}.f32`, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  execFileSync("python3", [SCRIPT, "chunk", LIB_DIR, String(type), String(rowLength), `${scratch}.f32`, `${scratch}.bin`], { timeout: 60_000 });
  return readFileSync(`${scratch}.bin`);
}

/** llama_model_quantize(input, out, ftype) with one thread: llama-quantize's whole-model conversion. */
export function llamaQuantizeModel(input: string, out: string, fileType: number): void {
  execFileSync("python3", [SCRIPT, "model", LIB_DIR, String(fileType), input, out], { timeout: 120_000, stdio: ["ignore", "ignore", "pipe"] });
}

/** dequantize_row_<name>(bytes): llama.cpp's decoding of `count` values. */
export function ggmlDequantize(name: string, bytes: Uint8Array, count: number, scratch: string): Float32Array {
  writeFileSync(`${scratch}.bin`, bytes);
  execFileSync("python3", [SCRIPT, "dequant", LIB_DIR, name, String(count), `${scratch}.bin`, `${scratch}.f32`], { timeout: 60_000 });
  const out = readFileSync(`${scratch}.f32`);
  return new Float32Array(out.buffer, out.byteOffset, count);
}
