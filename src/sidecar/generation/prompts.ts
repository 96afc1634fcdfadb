// Prompt tokens for the three request kinds: a plain completion, fill-in-the-middle (the model's own FIM tokens
// when its vocabulary has them, else the prefix alone), and chat (the model's chat template when the GGUF carries
// one, rendered in the helper process by chat-templates.ts, else a plain transcript).

import type { LlamaModel, Token } from "node-llama-cpp";
import type { TokenId } from "../mixing/distribution";
import type { ChatTemplates, ChatTurn } from "./chat-templates";

export type { ChatTurn } from "./chat-templates";

export interface PromptTokens {
  tokens: TokenId[];
  /** Extra stop strings the prompt format implies (the template's end-of-turn text, "\nUser:"). */
  stops: string[];
  /** How the prompt was built, for the response and for debugging FIM. */
  format: "plain" | "fim" | "prefix-only" | "template" | "transcript";
  /** Why the model's own chat template was not used, when it has one. */
  note?: string;
}

function withBos(model: LlamaModel, tokens: Token[]): TokenId[] {
  const bos = model.tokens.bos;
  // tokenize() never adds BOS itself (notes/node-llama-cpp.md).
  return bos !== null && model.tokens.shouldPrependBosToken ? [bos, ...tokens] : tokens;
}

/** Whether the model has fill-in-the-middle tokens, so that a completion's suffix is part of its prompt. */
export function hasFimTokens(model: LlamaModel): boolean {
  const { prefix, suffix, middle } = model.tokens.infill;
  return prefix !== null && suffix !== null && middle !== null;
}

export function completionPrompt(model: LlamaModel, prompt: string, suffix: string | undefined): PromptTokens {
  const { prefix, suffix: suf, middle } = model.tokens.infill;
  if (suffix !== undefined && suffix !== "") {
    if (prefix !== null && suf !== null && middle !== null) {
      // Prefix-suffix-middle order, the one FIM-trained code models (StarCoder, Qwen-Coder, CodeLlama) expect.
      const tokens = [prefix, ...model.tokenize(prompt), suf, ...model.tokenize(suffix), middle];
      return { tokens: withBos(model, tokens), stops: [], format: "fim" };
    }
    return { tokens: withBos(model, model.tokenize(prompt)), stops: [], format: "prefix-only" };
  }
  return { tokens: withBos(model, model.tokenize(prompt)), stops: [], format: "plain" };
}

function hasChatTemplate(model: LlamaModel): boolean {
  const t = model.fileInfo.metadata?.tokenizer?.chat_template;
  return typeof t === "string" && t.trim() !== "";
}

/** `path` is the model's file, whose template the helper process reads and runs. */
export async function chatPrompt(model: LlamaModel, path: string, messages: readonly ChatTurn[], templates: ChatTemplates): Promise<PromptTokens> {
  let note: string | undefined;
  if (hasChatTemplate(model)) {
    const rendered = await templates.render(model, path, messages);
    if (!("failure" in rendered)) return { tokens: rendered.text.tokenize(model.tokenizer), stops: rendered.stops, format: "template" };
    note = rendered.failure;
  }
  return { ...transcriptPrompt(model, messages), note };
}

/** The conversation as a plain transcript: for a model without a (usable) chat template. Runs no template code. */
export function transcriptPrompt(model: LlamaModel, messages: readonly ChatTurn[]): PromptTokens {
  return { tokens: withBos(model, model.tokenize(transcriptText(messages))), stops: ["\n\nUser:", "\nUser:"], format: "transcript" };
}

/** The plain transcript a model without a (usable) chat template reads, and the mixing presets' chat prompt. */
export function transcriptText(messages: readonly ChatTurn[]): string {
  const label = { system: "System", user: "User", assistant: "Assistant" } as const;
  return messages.map((m) => `${label[m.role]}: ${m.content}`).join("\n\n") + "\n\nAssistant:";
}
