// The generation options of an inline completion from one model, whichever mode asks: one line (stop at its end)
// or a block (stop at a blank gap), with room for what each needs. Mixing presets use their own (mix-modes.ts):
// their context is smaller and they decode greedily.

import type { CompletionInput } from "../modes";
import type { GenerationOptions } from "../providers/types";

export function completionOptions(input: Pick<CompletionInput, "multiline">, extra: GenerationOptions = {}): GenerationOptions {
  return { maxTokens: input.multiline ? 256 : 64, temperature: 0.2, stop: input.multiline ? ["\n\n\n"] : ["\n"], ...extra };
}
