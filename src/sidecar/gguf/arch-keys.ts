// The architecture-specific metadata keys llama.cpp's loader requires (src/llama-model.cpp, load_hparams: each
// `ml.get_key(KEY, value)` without `required = false` throws "key not found in model: <arch>.<key>"). A file
// without one is refused at its first load, so the listing must say so before then.
//
// The case that reaches users: Ollama's gemma3 exports (gemma3:4b/12b/27b blobs from `ollama pull`) lack
// `gemma3.attention.layer_norm_rms_epsilon` — Ollama's own engine falls back to a default, llama.cpp does not
// (ggml-org/llama.cpp#12367: "error loading model hyperparameters: key not found in model:
// gemma3.attention.layer_norm_rms_epsilon"; Ollama's log warns "key not found" with default 1e-06, ollama/ollama#9857).

import { getNumber } from "./metadata";
import type { GgufMetadata } from "./types";

const RMS_EPS = "attention.layer_norm_rms_epsilon";
const NORM_EPS = "attention.layer_norm_epsilon";
const SLIDING_WINDOW = "attention.sliding_window";

/** Per architecture, the keys (after "<arch>.") llama.cpp reads as required; architectures not listed are not checked here. */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  llama: [RMS_EPS],
  llama4: [RMS_EPS, "expert_feed_forward_length", "interleave_moe_layer_step"],
  deci: [RMS_EPS],
  qwen: [RMS_EPS],
  qwen2: [RMS_EPS],
  qwen2vl: [RMS_EPS],
  qwen2moe: [RMS_EPS],
  qwen3: [RMS_EPS],
  qwen3moe: [RMS_EPS],
  phi3: [RMS_EPS],
  internlm2: [RMS_EPS],
  gemma: [RMS_EPS],
  gemma2: [RMS_EPS],
  // gemma3 reads the sliding window first, then the epsilon; both are required (gemma2's window is optional).
  gemma3: [SLIDING_WINDOW, RMS_EPS],
  gemma3n: [SLIDING_WINDOW, RMS_EPS],
  bloom: [NORM_EPS],
  stablelm: [NORM_EPS],
  phi2: [NORM_EPS],
  gpt2: [NORM_EPS],
  starcoder2: [NORM_EPS],
};

/** Where an Ollama export is the usual cause, the advice says how to get a file llama.cpp loads. */
function advice(arch: string): string {
  return arch.startsWith("gemma3")
    ? "Ollama's gemma3 exports lack it and only Ollama's own engine can run them; use a GGUF converted by llama.cpp (e.g. from Hugging Face) instead"
    : "llama.cpp refuses the file without it; reconvert the model with llama.cpp's convert_hf_to_gguf.py";
}

/** One problem per required key of `arch` that `m` lacks (or holds as something other than a number). */
export function missingArchitectureKeys(m: GgufMetadata, arch: string): string[] {
  return (REQUIRED[arch] ?? [])
    .map((suffix) => `${arch}.${suffix}`)
    .filter((key) => getNumber(m, key) === undefined)
    .map((key) => `${key} is ${m.has(key) ? "not a number" : "missing"} (${advice(arch)})`);
}
