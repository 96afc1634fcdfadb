// Runs one generation request against a real model (a GGUF the registry serves) or a virtual model (a preset
// decoded by the mixing engineer's createMixer), and hands back pieces of text as they are released. Both paths
// hold their models in the registry for exactly the request's duration.

import { generate, generatedPiece, generateResult, type GeneratedPiece, type GenerateOptions, type GenerateResult } from "../generation/generate";
import {
  alternativesToScore,
  promptAnswer,
  scoreModelPrompt,
  scoringReport,
  type PromptScores,
  type PromptWants,
  type VllmPromptLogprobs,
} from "../generation/score-prompt";
import type { LlamaModel } from "node-llama-cpp";
import { buildFittedPrompt, countUpTo, estimateCeiling, SYNC_FIT_CHARS } from "../generation/fit-large-prompt";
import { promptTokenLimit } from "../generation/fit-prompt";
import type { ChatTemplates } from "../generation/chat-templates";
import { chatPrompt, completionPrompt, hasFimTokens, type ChatTurn, type PromptTokens } from "../generation/prompts";
import { checkLookahead } from "../mixing/lookahead";
import { isVirtualModel, resolvePreset, type Preset } from "../presets";
import type { ModelRegistry } from "../registry/registry";
import { NonFiniteLogitsError } from "../mixing/distribution";
import { ApiError, badRequest } from "./errors";
import type { MixerCache } from "./mixer-cache";
import type { Mixer } from "../mixing/mixer";

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
  /**
   * OpenAI's `echo` (completions only): the prompt comes back before the reply, scored when logprobs are asked
   * for. With options.maxTokens 0 nothing is generated: the request only scores its prompt.
   */
  echo?: boolean;
  /** vLLM's `prompt_logprobs` (completions only): the prompt's scores with this many alternatives. */
  promptLogprobs?: number;
}

export interface JobResult extends GenerateResult {
  format: PromptTokens["format"];
  /** The echoed prompt (also the first piece streamed). */
  echoed?: GeneratedPiece;
  promptLogprobs?: VllmPromptLogprobs;
}

/** What a completion job asks of its prompt; nothing for chat. */
function promptWants(job: Job): PromptWants | undefined {
  if (job.input.kind !== "completion" || (!job.echo && job.promptLogprobs === undefined)) return undefined;
  return { echo: job.echo === true, echoTop: job.options.topLogprobs, promptLogprobs: job.promptLogprobs };
}

/** A reply of no tokens: what a scoring-only request (max_tokens 0) answers besides its echoed prompt. */
function nothingGenerated(promptTokens: number): GenerateResult {
  return { text: "", logprobs: [], finishReason: "length", promptTokens, completionTokens: 0 };
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
          ? await measuredChatPrompt(lease.model.id, model, lease.model.path, job.input.messages, contextSize, svc.chatTemplates)
          : await fittedCompletionPrompt(lease.model.id, model, job.input, contextSize, job.options.maxTokens);
      const options = { ...job.options, stop: [...job.options.stop, ...prompt.stops] };
      const promptParam = job.input.kind === "chat" ? "messages" : "prompt";
      const wants = promptWants(job);
      const topN = wants && alternativesToScore(wants);
      const scores = topN === undefined ? undefined : await scoreModelPrompt(lease.model, prompt.tokens, topN).catch(damagedModel(job.model));
      const answer = wants && job.input.kind === "completion" ? promptAnswer(job.input.prompt, scores, lease.model.label, wants) : {};
      if (answer.echoed) onPiece(answer.echoed);
      const r =
        options.maxTokens === 0
          ? nothingGenerated(prompt.tokens.length)
          : await generate(lease.model, prompt.tokens, { ...options, promptParam }, signal, onPiece, { topK: svc.topK, lookahead: drafts }).catch(
              damagedModel(job.model),
            );
      // One model's logprobs are read normalised: its own, exact, whatever part of the vocabulary is read out.
      const report = wants ? { scoring: scoringReport("all") } : r.report;
      return { ...r, format: prompt.format, ...answer, report: prompt.note ? { ...report, prompt_note: prompt.note } : report };
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
async function measuredChatPrompt(
  id: string,
  model: LlamaModel,
  path: string,
  messages: ChatTurn[],
  contextSize: number,
  templates: ChatTemplates,
): Promise<PromptTokens> {
  if (messages.reduce((n, m) => n + m.content.length, 0) > SYNC_FIT_CHARS) {
    const ceiling = estimateCeiling(contextSize);
    let tokens = 0;
    for (const m of messages) {
      tokens += await countUpTo(m.content, ceiling - tokens, (text) => model.tokenize(text).length);
      if (tokens > ceiling) throw promptTooLong(id, contextSize, `more than ${ceiling}`, "messages");
    }
  }
  return chatPrompt(model, path, messages, templates);
}

/** NaN or infinite next-token scores mean damaged weights: a 422 naming the model, not a server error. */
function damagedModel(model: string): (e: unknown) => never {
  return (e) => {
    if (!(e instanceof NonFiniteLogitsError)) throw e;
    throw new ApiError(
      422,
      "invalid_request_error",
      `The model "${model}" cannot be used: its next-token scores are NaN or infinite, so its weights are damaged. Replace or remove the file.`,
      "model_output_invalid",
    );
  };
}

/** The refusal generate() gives a prompt too long, for one measured only as far as needed. */
function promptTooLong(id: string, contextSize: number, tokens: string, param: string): Error {
  return badRequest(`The prompt has ${tokens} tokens but ${id} holds ${contextSize} in all; shorten the prompt.`, param, "context_length_exceeded");
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
    // Each lane reads the prompt its own model expects, as a single model would: the suffix in its FIM layout, a
    // conversation in its chat template (mixer.ts).
    const input = job.input;
    const maxTokens = Math.max(1, Math.min(job.options.maxTokens, mixer.contextSize - 1));
    const withLogprobs = job.options.topLogprobs !== undefined;
    const wants = promptWants(job);
    // Scoring (echo, prompt_logprobs) is for completions only: params.ts refuses it on chat and with a suffix.
    const prompt = input.kind === "completion" ? input.prompt : "";
    // A request that generates nothing is still scored (with no alternatives), so its usage counts the prompt.
    const scoreTop = wants && (alternativesToScore(wants) ?? (job.options.maxTokens === 0 ? 0 : undefined));
    const scored = wants ? await scoreMixPrompt(mixer, prompt, context, scoreTop) : undefined;
    const answer = wants && scored ? promptAnswer(prompt, scored.scores, mixer.label, wants) : {};
    if (answer.echoed) onPiece(answer.echoed);
    const report = { strategy: spec.strategy, ...(wants ? { scoring: scoringReport(spec.topK ?? "all") } : {}) };
    if (scored && job.options.maxTokens === 0) return { ...nothingGenerated(scored.promptTokens), report, ...answer, format: "plain" };
    const r = await mixer.generate({
      ...(input.kind === "chat" ? { prompt: "", messages: input.messages } : { prompt: input.prompt, suffix: input.suffix, truncate: input.truncate }),
      context,
      lookahead: requestLookahead(svc, lookahead),
      maxTokens,
      stop: job.options.stop,
      topLogprobs: job.options.topLogprobs ?? 0,
      sampling: { temperature: job.options.temperature, topP: job.options.topP, seed: job.options.seed },
      signal,
      onPiece: (p) => onPiece(generatedPiece(p, withLogprobs, mixer.label)),
    });
    return { ...generateResult(r, withLogprobs, mixer.label, { ...report, writers: r.writers }), format: r.format, ...answer };
  });
}

/**
 * A preset's prompt scored under the mix (when `topN` says scores are wanted): the start token (logprob null) and
 * the prompt's tokens; a context read before the prompt conditions them but is not listed.
 */
async function scoreMixPrompt(
  mixer: Mixer,
  prompt: string,
  context: string | undefined,
  topN: number | undefined,
): Promise<{ scores?: PromptScores; promptTokens: number }> {
  if (topN === undefined) return { promptTokens: 0 };
  if (prompt === "") throw badRequest("The prompt is empty: there is nothing to score.", "prompt");
  const s = await mixer.score({ text: prompt, context, topLogprobs: topN });
  const listed = context ? [] : s.prefix;
  const unscored = [...listed, ...s.unscored];
  const scores: PromptScores = {
    tokens: [...unscored, ...s.target],
    logprobs: [...unscored.map(() => null), ...s.logprobs],
    ranks: [...unscored.map(() => null), ...s.ranks],
    top: [...unscored.map(() => []), ...s.top],
  };
  return { scores, promptTokens: s.prefix.length + s.unscored.length + s.target.length };
}
