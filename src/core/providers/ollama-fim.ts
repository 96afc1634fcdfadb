/**
 * How to ask an Ollama model for a completion between a prefix and a suffix, from what /api/show says it can do:
 * - "insert" in its capabilities (its template uses .Suffix): /api/generate with `suffix`, Ollama builds the prompt;
 * - no "insert" but a model family with FIM tokens (qwen3-coder, several deepseek-coder and codellama tags):
 *   `raw: true` with the family's FIM prompt (fim-templates.ts), since `suffix` would be refused with 400
 *   "… does not support insert" (server/routes.go GenerateHandler adds CapabilityInsert when a suffix is sent);
 * - neither (llama 3.x, gemma, qwen3): `raw: true` with the prefix alone, so the model continues the code instead
 *   of answering it as a chat message;
 * - no "completion" capability at all (embedding models): refused before sending, with what to do.
 */
import { ProviderError } from "./errors";
import { fimTemplateByFamily, fimTemplateFor, type FimTemplate } from "./fim-templates";
import type { OllamaModelFacts } from "./ollama-facts";

export type OllamaFimPlan =
  | { kind: "suffix" }
  | { kind: "template"; template: FimTemplate }
  /** `why` tells the user what they lose and what to do about it. */
  | { kind: "prefix-only"; why: string };

export function planFim(model: string, facts: OllamaModelFacts | undefined, fimFamily?: string): OllamaFimPlan {
  // An Ollama too old to report capabilities (or one that could not be asked) checks `suffix` itself.
  if (!facts || facts.capabilities.size === 0) return { kind: "suffix" };
  if (!facts.capabilities.has("completion"))
    throw new ProviderError(
      "unsupported",
      `${model} cannot write text in Ollama (it can: ${[...facts.capabilities].join(", ")}) — pick a code or chat model for completions.`,
      { model },
    );
  if (facts.capabilities.has("insert")) return { kind: "suffix" };
  const template = (fimFamily !== undefined ? fimTemplateByFamily(fimFamily) : undefined) ?? fimTemplateFor(model);
  if (template) return { kind: "template", template };
  return {
    kind: "prefix-only",
    why: `${model} cannot fill in the middle in Ollama; Chorus completes from the prefix only — pick a model with FIM (e.g. qwen2.5-coder) for better ghost text`,
  };
}
