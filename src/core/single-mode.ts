// "Single": one model answers, no collaboration. The baseline every other mode is measured against, and the
// default when nothing else is chosen. Which model: the first one tagged for the job, else the first configured.
import { askMessages } from "./ask-prompt";
import { completionOptions } from "./completion/options";
import { isMixingPreset, type ModelConfig, type PrivacyConfig } from "./config";
import type { ModeRegistry, ModeServices } from "./modes";
import { allowedModels } from "./privacy";
import { ProviderError } from "./providers/errors";

/** Preferred tags per surface, most wanted first. */
const PREFERENCE = {
  completion: ["fast", "local", "code"],
  ask: ["strong", "code"],
} as const;

/**
 * The model single mode uses. With privacy rules, only models allowed for `filePath` are candidates, so a question
 * about a protected file goes to a local model instead of being refused at the cloud one.
 */
export function defaultModelFor(models: ModelConfig[], surface: keyof typeof PREFERENCE, privacy?: PrivacyConfig, filePath?: string): ModelConfig {
  const allowed = privacy ? allowedModels(models, privacy, filePath) : models;
  const candidates = (allowed.length > 0 ? allowed : models).filter((m) => !m.tags?.includes("embedding"));
  // Ghost text wants a quick plain answer: a thinking model is picked for completions only when nothing else is there.
  const plain = surface === "completion" ? candidates.filter((m) => !m.tags?.includes("thinking")) : candidates;
  const pool = plain.length > 0 ? plain : candidates;
  // A mixing preset is several models voting on each token, not one model: chosen only when nothing else is there.
  const ordinary = pool.filter((m) => !isMixingPreset(m));
  const usable = ordinary.length > 0 ? ordinary : pool;
  for (const tag of PREFERENCE[surface]) {
    const hit = usable.find((m) => m.tags?.includes(tag));
    if (hit) return hit;
  }
  const first = usable[0];
  if (!first)
    throw new ProviderError(
      "model_missing",
      "No model is configured. Start Ollama (Chorus finds its models by itself) or add one to the chorus.models setting (or the models list of chorus.json for the CLI).",
    );
  return first;
}

export function registerSingleMode(modes: ModeRegistry): void {
  modes.register({
    id: "single",
    label: "Single model",
    description: "One model answers: the first model tagged fast/local for completions, strong for questions.",
    surfaces: ["completion", "ask"],
    completion: ({ models, config }: ModeServices) => ({
      async complete(input, signal) {
        const m = defaultModelFor(config.models, "completion", config.privacy, input.filePath);
        const reason = `single mode: ${m.id} is the default completion model`;
        const c = await models.complete(
          m.id,
          input.prefix,
          input.suffix,
          completionOptions(input),
          { surface: "completion", mode: "single", decision: `single:${m.id}`, reason },
          signal,
        );
        return { text: c.text, decision: { model: m.id, action: "single", reason } };
      },
    }),
    ask: ({ models, config }: ModeServices) => ({
      async ask(input, signal, onText) {
        const m = defaultModelFor(config.models, "ask", config.privacy, input.filePath);
        const reason = `single mode: ${m.id} is the default model for questions`;
        const c = await models.chat(
          m.id,
          askMessages(input),
          { temperature: 0.2 },
          { surface: "ask", mode: "single", decision: `single:${m.id}`, reason },
          signal,
          (d) => d.text && onText?.(d.text),
        );
        return { text: c.text, decision: { model: m.id, action: "single", reason } };
      },
    }),
  });
}
