/**
 * Fill-in-the-middle prompt templates per model family, for OpenAI-compatible servers whose /v1/completions has
 * no `suffix` parameter (vLLM, LM Studio, llama.cpp server, most proxies): the prompt itself carries the model's
 * own FIM special tokens, which these servers tokenize as special tokens. The family is guessed from the model
 * name because that is all an OpenAI-compatible endpoint tells us.
 */

export interface FimTemplate {
  family: string;
  /** Build the raw prompt for completing between `prefix` and `suffix`. */
  build(prefix: string, suffix: string): string;
  /** Tokens that mean "the middle is done"; sent as stop sequences so a server without EOT handling stops there. */
  stop: string[];
}

const TEMPLATES: readonly (FimTemplate & { match: RegExp })[] = [
  {
    // Qwen2.5-Coder / Qwen3-Coder: prefix-suffix-middle order.
    family: "qwen-coder",
    match: /qwen[\d.]*-?coder|qwen.*coder/i,
    build: (p, s) => `<|fim_prefix|>${p}<|fim_suffix|>${s}<|fim_middle|>`,
    stop: ["<|endoftext|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<|im_end|>"],
  },
  {
    // Codestral: suffix first, then prefix (Mistral's [SUFFIX]…[PREFIX]… order).
    family: "codestral",
    match: /codestral/i,
    build: (p, s) => `[SUFFIX]${s}[PREFIX]${p}`,
    stop: ["</s>"],
  },
  {
    // DeepSeek-Coder (v1 and V2): full-width bars and the "▁" block marker.
    family: "deepseek-coder",
    match: /deepseek.*coder/i,
    build: (p, s) => `<｜fim▁begin｜>${p}<｜fim▁hole｜>${s}<｜fim▁end｜>`,
    stop: ["<｜end▁of▁sentence｜>", "<|EOT|>"],
  },
  {
    // CodeLlama (infilling variants): note the spaces the training format puts around the sentinels.
    family: "codellama",
    match: /code-?llama/i,
    build: (p, s) => `<PRE> ${p} <SUF>${s} <MID>`,
    stop: ["<EOT>", "</s>"],
  },
  {
    // StarCoder / StarCoder2 / SantaCoder, and models trained on their format (e.g. stable-code, granite-code).
    family: "starcoder",
    match: /starcoder|santacoder|stable-?code|granite.*code|refact/i,
    build: (p, s) => `<fim_prefix>${p}<fim_suffix>${s}<fim_middle>`,
    stop: ["<|endoftext|>", "<file_sep>", "<fim_prefix>"],
  },
];

/** The FIM template for a model name, or undefined when its family is unknown. */
export function fimTemplateFor(model: string): FimTemplate | undefined {
  const t = TEMPLATES.find((x) => x.match.test(model));
  return t ? { family: t.family, build: t.build, stop: t.stop } : undefined;
}

/** A template by family name, for users who set it explicitly because the model name does not tell. */
export function fimTemplateByFamily(family: string): FimTemplate | undefined {
  const t = TEMPLATES.find((x) => x.family === family);
  return t ? { family: t.family, build: t.build, stop: t.stop } : undefined;
}

export const FIM_FAMILIES: readonly string[] = TEMPLATES.map((t) => t.family);
