// Logit-level collaboration: each of the sidecar's mixing presets ("chorus/<name>", several local models voting on
// every token) becomes a `mix:<name>` mode for completions and Ask. A preset is called like any model, through
// Models (privacy, budget, ledger), as a sidecar model; the presets come from the running sidecar's /v1/models
// (providers/sidecar-presets.ts), so settings presets and `chorus serve --demo`'s appear alike.

import { askMessages } from "../../ask-prompt";
import type { ModelConfig } from "../../config";
import type { AskStrategy, CompletionStrategy, ModeDefinition, ModeServices } from "../../modes";
import type { SidecarPreset } from "../../providers/sidecar-presets";

export const MIX_MODE_PREFIX = "mix:";

/** The mixing context is bounded (2048 tokens by default); the nearest code matters most, so keep the tail. */
const MAX_PREFIX_CHARS = 1500;
const MAX_SUFFIX_CHARS = 500;
/** Lines right before the cursor that context-contrastive decoding reads with and without the rest of the file. */
const LOCAL_LINES = 4;

const presetName = (id: string): string => id.replace(/^chorus\//, "");

/** The preset as a model Models can call: local (the sidecar), free, and never a configured model's twin. */
export function presetModel(preset: SidecarPreset): ModelConfig {
  return { id: preset.id, provider: "sidecar", model: preset.id, tags: ["local"], priceIn: 0, priceOut: 0 };
}

/**
 * A context-contrastive preset reads the last lines before the cursor with and without the rest of the file: the
 * prompt is those lines, the context what lies above them.
 */
export function splitLocalLines(prefix: string): { prompt: string; context?: string } {
  const lines = prefix.split("\n");
  const context = lines.slice(0, -LOCAL_LINES).join("\n");
  return { prompt: lines.slice(-LOCAL_LINES).join("\n"), ...(context ? { context: context + "\n" } : {}) };
}

function mixCompletion({ models }: ModeServices, preset: SidecarPreset, mode: string, reason: string): CompletionStrategy {
  return {
    async complete(input, signal) {
      const prefix = input.prefix.slice(-MAX_PREFIX_CHARS);
      const contrastive = preset.strategy === "context-contrastive";
      // Context-contrastive decoding contrasts the prompt with and without the context; a suffix would be read by both.
      const { prompt, context } = contrastive ? splitLocalLines(prefix) : { prompt: prefix, context: undefined };
      const suffix = contrastive ? "" : input.suffix.slice(0, MAX_SUFFIX_CHARS);
      const options = { maxTokens: input.multiline ? 128 : 48, temperature: 0, stop: input.multiline ? ["\n\n\n"] : ["\n"], context };
      const c = await models.complete(
        preset.id,
        prompt,
        suffix,
        options,
        { surface: "completion", mode, decision: mode, reason, filePath: input.filePath },
        signal,
      );
      // Trailing blanks at the end of a one-line suggestion are never what the user wants to accept.
      const text = input.multiline ? c.text : c.text.replace(/\s+$/, "");
      return { text, decision: { model: preset.id, action: "mixed", reason } };
    },
  };
}

function mixAsk({ models }: ModeServices, preset: SidecarPreset, mode: string, reason: string): AskStrategy {
  return {
    async ask(input, signal, onText) {
      const ctx = { surface: "ask" as const, mode, decision: mode, reason, filePath: input.filePath };
      const c = await models.chat(preset.id, askMessages(input), { maxTokens: 512, temperature: 0.2 }, ctx, signal, (d) => d.text && onText?.(d.text));
      return { text: c.text, decision: { model: preset.id, action: "mixed", reason } };
    },
  };
}

/** The `mix:<name>` mode of one preset. */
export function mixMode(preset: SidecarPreset): ModeDefinition {
  const name = presetName(preset.id);
  const id = MIX_MODE_PREFIX + name;
  const description = preset.description ?? `Logit mixing preset ${preset.id}`;
  const reason = `${description} (logit-level mixing in the local sidecar)`;
  return {
    id,
    label: `Logit mix: ${name}`,
    description,
    // Context-contrastive decoding needs a file context that a question does not have: completions only.
    surfaces: preset.strategy === "context-contrastive" ? ["completion"] : ["completion", "ask"],
    completion: (s) => mixCompletion(s, preset, id, reason),
    ask: (s) => mixAsk(s, preset, id, reason),
  };
}
