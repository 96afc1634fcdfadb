// Prompt tokens for the three request kinds: a plain completion, fill-in-the-middle (the model's own FIM tokens
// when its vocabulary has them, else the prefix alone), and chat (the model's chat template when the GGUF carries
// one, else a plain transcript).

import type { ChatHistoryItem, LlamaModel, Token } from "node-llama-cpp";
import type { TokenId } from "../mixing/distribution";
import { nodeLlamaCpp } from "../registry/load-llama-lib";

export interface ChatTurn {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface PromptTokens {
  tokens: TokenId[];
  /** Extra stop strings the prompt format implies (the template's end-of-turn text, "\nUser:"). */
  stops: string[];
  /** How the prompt was built, for the response and for debugging FIM. */
  format: "plain" | "fim" | "prefix-only" | "template" | "transcript";
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

export async function chatPrompt(model: LlamaModel, messages: readonly ChatTurn[]): Promise<PromptTokens> {
  if (hasChatTemplate(model)) {
    const lib = await nodeLlamaCpp();
    const wrapper = lib.resolveChatWrapper(model);
    const history: ChatHistoryItem[] = messages.map((m) =>
      m.role === "assistant" ? { type: "model", response: [m.content] } : m.role === "system" ? { type: "system", text: m.content } : { type: "user", text: m.content },
    );
    // An empty model turn at the end asks the template for the assistant's opening.
    history.push({ type: "model", response: [] });
    const state = wrapper.generateContextState({ chatHistory: history });
    const stops = state.stopGenerationTriggers.map((t) => t.toString()).filter((s) => s.trim() !== "");
    return { tokens: state.contextText.tokenize(model.tokenizer), stops, format: "template" };
  }
  const label = { system: "System", user: "User", assistant: "Assistant" } as const;
  const text = messages.map((m) => `${label[m.role]}: ${m.content}`).join("\n\n") + "\n\nAssistant:";
  return { tokens: withBos(model, model.tokenize(text)), stops: ["\n\nUser:", "\nUser:"], format: "transcript" };
}
