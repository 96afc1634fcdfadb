// Logit mixing only makes sense when token id t means the same string in every model. Refuse anything else with
// the first difference, so the user knows which models to pair.

import type { LlamaModel } from "node-llama-cpp";

export class VocabularyMismatchError extends Error {
  override readonly name = "VocabularyMismatchError";
}

/** The vocabulary as the GGUF declares it (tokenizer.ggml.tokens). */
export function vocabularyOf(model: LlamaModel, name: string): readonly string[] {
  const tokens = model.fileInfo.metadata.tokenizer?.ggml?.tokens;
  if (!Array.isArray(tokens) || tokens.length === 0)
    throw new VocabularyMismatchError(`model "${name}" declares no vocabulary (tokenizer.ggml.tokens); logit mixing needs one`);
  return tokens;
}

/** Throws unless every vocabulary equals the first, naming the sizes or the first differing token. */
export function checkSharedVocabulary(vocabs: readonly { name: string; tokens: readonly string[] }[]): void {
  const first = vocabs[0];
  if (!first) return;
  for (const other of vocabs.slice(1)) {
    if (other.tokens === first.tokens) continue;
    if (other.tokens.length !== first.tokens.length)
      throw new VocabularyMismatchError(
        `models "${first.name}" and "${other.name}" have different vocabularies (${first.tokens.length} vs ${other.tokens.length} tokens); ` +
          `logit mixing needs models with the same tokenizer (e.g. one model family)`,
      );
    for (let t = 0; t < first.tokens.length; t++) {
      if (first.tokens[t] !== other.tokens[t])
        throw new VocabularyMismatchError(
          `models "${first.name}" and "${other.name}" have different vocabularies: token ${t} is ${JSON.stringify(first.tokens[t])} ` +
            `in one and ${JSON.stringify(other.tokens[t])} in the other; logit mixing needs models with the same tokenizer`,
        );
    }
  }
}
