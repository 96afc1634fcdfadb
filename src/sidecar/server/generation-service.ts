// Runs one generation request against a real model (a GGUF the registry serves) or a virtual model (a preset
// decoded by the mixing engineer's createMixer), and hands back pieces of text as they are released. Both paths
// hold their models in the registry for exactly the request's duration.

import { generate, generatedPiece, generateResult, type GeneratedPiece, type GenerateOptions, type GenerateResult } from "../generation/generate";
import type { LlamaModel } from "node-llama-cpp";
import { fitByLines, promptTokenLimit, type PromptParts } from "../generation/fit-prompt";
import type { ChatTemplates } from "../generation/chat-templates";
import { chatPrompt, completionPrompt, transcriptText, type ChatTurn, type PromptTokens } from "../generation/prompts";
import { checkLookahead } from "../mixing/lookahead";
import { isVirtualModel, resolvePreset, type Preset } from "../presets";
import type { ModelRegistry } from "../registry/registry";
import { NonFiniteLogitsError } from "../mixing/distribution";
import { ApiError, badRequest } from "./errors";
import type { MixerCache } from "./mixer-cache";

export interface SidecarServices {
  registry: ModelRegistry;
  presets(): readonly Preset[];
  /** Entries read out of llama.cpp per step for a large vocabulary (top K); small vocabularies are read whole. */
  topK: number;
  /** Draft tokens an evaluation checks (lookahead decoding) unless a request says otherwise; 0 = off. */
  lookahead: number;
  /** Mixers kept between requests (they hold their models in the registry while cached). */
  mixers: MixerCache;
  /** Model chat templates, run in the helper process with bounds. */
  chatTemplates: ChatTemplates;
  /** Problems with the configuration (a preset that does not validate), reported with the model list. */
  configProblems?: readonly string[];
}

export interface CompletionInput {
  kind: "completion";
  prompt: string;
  suffix?: string;
  /** truncate_prompt_tokens (see fit-prompt.ts); absent = a prompt too long is an error. */
  truncate?: number;
}

export type JobInput = CompletionInput | { kind: "chat"; messages: ChatTurn[] };

export interface Job {
  model: string;
  input: JobInput;
  options: GenerateOptions;
  chorus?: Record<string, unknown>;
}

export interface JobResult extends GenerateResult {
  format: PromptTokens["format"];
}

export async function runJob(svc: SidecarServices, job: Job, signal: AbortSignal, onPiece: (p: GeneratedPiece) => void): Promise<JobResult> {
  return isVirtualModel(job.model) ? runVirtual(svc, job, signal, onPiece) : runReal(svc, job, signal, onPiece);
}

async function runReal(svc: SidecarServices, job: Job, signal: AbortSignal, onPiece: (p: GeneratedPiece) => void): Promise<JobResult> {
  const { lookahead, ...mixing } = job.chorus ?? {};
  if (Object.keys(mixing).length > 0)
    throw badRequest(`"chorus" parameters other than lookahead apply to the mixing presets (chorus/<name> models), not to "${job.model}".`, "chorus");
  const drafts = requestLookahead(svc, lookahead);
  const lease = await svc.registry.acquire(job.model);
  try {
    return await lease.model.exclusive(async () => {
      const model = lease.model.model;
      const contextSize = lease.model.context.contextSize;
      const prompt = job.input.kind === "chat" ? await chatPrompt(model, lease.model.path, job.input.messages, svc.chatTemplates) : fittedCompletionPrompt(model, job.input, contextSize, job.options.maxTokens);
      const options = { ...job.options, stop: [...job.options.stop, ...prompt.stops] };
      const promptParam = job.input.kind === "chat" ? "messages" : "prompt";
      const r = await generate(lease.model, prompt.tokens, { ...options, promptParam }, signal, onPiece, { topK: svc.topK, lookahead: drafts }).catch((e: unknown) => {
        if (!(e instanceof NonFiniteLogitsError)) throw e;
        throw new ApiError(422, "invalid_request_error", `The model "${job.model}" cannot be used: its next-token scores are NaN or infinite, so its weights are damaged. Replace or remove the file.`, "model_output_invalid");
      });
      return { ...r, format: prompt.format, report: prompt.note ? { ...r.report, prompt_note: prompt.note } : r.report };
    });
  } finally {
    lease.release();
  }
}

/**
 * A completion's prompt tokens; with `truncate`, whole lines dropped until they fit (fit-prompt.ts). A prompt that
 * fits is tokenized once, as on every inline completion.
 */
function fittedCompletionPrompt(model: LlamaModel, input: CompletionInput, contextSize: number, maxTokens: number): PromptTokens {
  const build = (p: PromptParts) => completionPrompt(model, p.prefix, input.suffix === undefined ? undefined : p.suffix);
  const whole = build({ prefix: input.prompt, suffix: input.suffix ?? "" });
  const limit = input.truncate === undefined ? undefined : promptTokenLimit(input.truncate, contextSize, maxTokens);
  if (limit === undefined || whole.tokens.length <= limit) return whole;
  const fitted = fitByLines({ prefix: input.prompt, suffix: input.suffix ?? "" }, limit, (p) => build(p).tokens.length);
  return fitted ? build(fitted) : whole;
}

/** The request's `chorus.lookahead` (checked), or the sidecar's setting. */
function requestLookahead(svc: SidecarServices, value: unknown): number {
  return value === undefined ? svc.lookahead : checkLookahead(value);
}

async function runVirtual(svc: SidecarServices, job: Job, signal: AbortSignal, onPiece: (p: GeneratedPiece) => void): Promise<JobResult> {
  // `context` is request data for context-contrastive decoding (the file/project text read before the prompt),
  // and `lookahead` a decoding option (how many drafted tokens a step checks), not preset parameters.
  const { context, lookahead, ...overrides } = job.chorus ?? {};
  if (context !== undefined && typeof context !== "string") throw badRequest('"chorus.context" must be a string (the file or project text).', "chorus");
  const spec = resolvePreset(svc.presets(), job.model, Object.keys(overrides).length ? overrides : undefined);
  return svc.mixers.use(spec, async (mixer) => {
    // The mixer reads text prompts; chat becomes a plain transcript and FIM keeps the prefix (mixing works on
    // the shared vocabulary, and not every family has FIM tokens).
    const chat = job.input.kind === "chat";
    const prompt = job.input.kind === "chat" ? transcriptText(job.input.messages) : job.input.prompt;
    const stop = [...job.options.stop, ...(chat ? ["\n\nUser:", "\nUser:"] : [])];
    const maxTokens = Math.max(1, Math.min(job.options.maxTokens, mixer.contextSize - 1));
    const withLogprobs = job.options.topLogprobs !== undefined;
    const r = await mixer.generate({
      prompt,
      truncate: job.input.kind === "completion" ? job.input.truncate : undefined,
      context,
      lookahead: requestLookahead(svc, lookahead),
      maxTokens,
      stop,
      topLogprobs: job.options.topLogprobs ?? 0,
      sampling: { temperature: job.options.temperature, topP: job.options.topP, seed: job.options.seed },
      signal,
      onPiece: (p) => onPiece(generatedPiece(p, withLogprobs)),
    });
    return {
      ...generateResult(r, withLogprobs, { strategy: spec.strategy, writers: r.writers }),
      format: job.input.kind === "chat" ? "transcript" : job.input.suffix ? "prefix-only" : "plain",
    };
  });
}
