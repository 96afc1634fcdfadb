// Runs one generation request against a real model (a GGUF the registry serves) or a virtual model (a preset
// decoded by the mixing engineer's createMixer), and hands back pieces of text as they are released. Both paths
// hold their models in the registry for exactly the request's duration.

import { generate, generatedPiece, generateResult, type GeneratedPiece, type GenerateOptions, type GenerateResult } from "../generation/generate";
import type { LlamaModel } from "node-llama-cpp";
import { buildFittedPrompt, countUpTo, estimateCeiling, SYNC_FIT_CHARS } from "../generation/fit-large-prompt";
import { promptTokenLimit } from "../generation/fit-prompt";
import { chatPrompt, completionPrompt, hasFimTokens, type ChatTurn, type PromptTokens } from "../generation/prompts";
import { checkLookahead } from "../mixing/lookahead";
import { isVirtualModel, resolvePreset, type Preset } from "../presets";
import type { ModelRegistry } from "../registry/registry";
import { badRequest } from "./errors";
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
      const prompt =
        job.input.kind === "chat"
          ? await measuredChatPrompt(lease.model.id, model, job.input.messages, contextSize)
          : await fittedCompletionPrompt(lease.model.id, model, job.input, contextSize, job.options.maxTokens);
      const options = { ...job.options, stop: [...job.options.stop, ...prompt.stops] };
      const promptParam = job.input.kind === "chat" ? "messages" : "prompt";
      const r = await generate(lease.model, prompt.tokens, { ...options, promptParam }, signal, onPiece, { topK: svc.topK, lookahead: drafts });
      return { ...r, format: prompt.format };
    });
  } finally {
    lease.release();
  }
}

/**
 * A completion's prompt tokens; with `truncate`, whole lines dropped until they fit (fit-prompt.ts). A prompt that
 * fits is tokenized once, as on every inline completion. A prompt above SYNC_FIT_CHARS is measured in pieces first
 * (fit-large-prompt.ts): tokenizing megabytes at once would hold every other request for seconds.
 */
async function fittedCompletionPrompt(id: string, model: LlamaModel, input: CompletionInput, contextSize: number, maxTokens: number): Promise<PromptTokens> {
  const limit = input.truncate === undefined ? undefined : promptTokenLimit(input.truncate, contextSize, maxTokens);
  const built = await buildFittedPrompt({ prefix: input.prompt, suffix: input.suffix ?? "" }, limit, contextSize, {
    build: (p) => completionPrompt(model, p.prefix, input.suffix === undefined ? undefined : p.suffix),
    tokens: (p) => p.tokens.length,
    count: (text) => model.tokenize(text).length,
    ignoresSuffix: !hasFimTokens(model),
  });
  if ("tooLong" in built) throw promptTooLong(id, contextSize, built.tooLong, "prompt");
  return built.prompt;
}

/**
 * A chat's prompt tokens. Messages above SYNC_FIT_CHARS in all are counted in pieces first, and refused without
 * being tokenized whole when they cannot fit: a chat has no truncation, and megabytes tokenized at once would hold
 * every other request.
 */
async function measuredChatPrompt(id: string, model: LlamaModel, messages: ChatTurn[], contextSize: number): Promise<PromptTokens> {
  if (messages.reduce((n, m) => n + m.content.length, 0) > SYNC_FIT_CHARS) {
    const ceiling = estimateCeiling(contextSize);
    let tokens = 0;
    for (const m of messages) {
      tokens += await countUpTo(m.content, ceiling - tokens, (text) => model.tokenize(text).length);
      if (tokens > ceiling) throw promptTooLong(id, contextSize, `more than ${ceiling}`, "messages");
    }
  }
  return chatPrompt(model, messages);
}

/** The refusal generate() gives a prompt too long, for one measured only as far as needed. */
function promptTooLong(id: string, contextSize: number, tokens: string, param: string): Error {
  return badRequest(`The prompt has ${tokens} tokens but ${id} holds ${contextSize} in all; shorten the prompt.`, param, "context_length_exceeded");
}

/** The request's `chorus.lookahead` (checked), or the sidecar's setting. */
function requestLookahead(svc: SidecarServices, value: unknown): number {
  return value === undefined ? svc.lookahead : checkLookahead(value);
}

function transcript(messages: readonly ChatTurn[]): string {
  const label = { system: "System", user: "User", assistant: "Assistant" } as const;
  return messages.map((m) => `${label[m.role]}: ${m.content}`).join("\n\n") + "\n\nAssistant:";
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
    const prompt = job.input.kind === "chat" ? transcript(job.input.messages) : job.input.prompt;
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
