// A file shaped like Ollama's gemma3 export (the blob `ollama pull gemma3:4b` stored in 2025): architecture
// "gemma3" with its keys under "gemma3.", the sliding window given, but no `gemma3.attention.layer_norm_rms_epsilon`.
// Ollama's engine runs it with a default epsilon (its log: "key not found" key=gemma3.attention.layer_norm_rms_epsilon
// default=1e-06, ollama/ollama#9857); llama.cpp refuses it ("error loading model hyperparameters: key not found in
// model: gemma3.attention.layer_norm_rms_epsilon", ggml-org/llama.cpp#12367). The weights are a small test model's,
// renamed: only the metadata matters to the loader's key check.

import { copyGguf } from "../gguf/copy";
import { meta } from "../gguf/metadata";
import type { GgufMetadata } from "../gguf/types";

/** gemma3:4b's window, as llama.cpp's loader prints it for that blob (intel/ipex-llm#13038: gemma3.attention.sliding_window = 1024). */
const GEMMA3_SLIDING_WINDOW = 1024;

function asGemma3(m: GgufMetadata, withEpsilon: boolean): GgufMetadata {
  const out: GgufMetadata = new Map();
  for (const [key, value] of m) out.set(key.startsWith("llama.") ? `gemma3.${key.slice("llama.".length)}` : key, value);
  out.set("general.architecture", meta.str("gemma3"));
  out.set("gemma3.attention.sliding_window", meta.u32(GEMMA3_SLIDING_WINDOW));
  if (!withEpsilon) out.delete("gemma3.attention.layer_norm_rms_epsilon");
  return out;
}

/**
 * Writes `input` (a llama-architecture test model) to `out` as a gemma3 file; without `withEpsilon` it lacks the
 * epsilon key as Ollama's export does, with it the file carries every key llama.cpp requires of gemma3.
 */
export async function writeGemma3Export(input: string, out: string, withEpsilon = false): Promise<void> {
  await copyGguf({ input, out, editMetadata: (m) => asGemma3(m, withEpsilon) });
}
