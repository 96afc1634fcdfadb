// Runs one generation request against a real model (a GGUF the registry serves) or a virtual model (a preset
// decoded by the mixing engineer's createMixer), and hands back pieces of text as they are released. Both paths
// hold their models in the registry for exactly the request's duration.

import { generate, generatedPiece, generateResult, type GeneratedPiece, type GenerateOptions, type GenerateResult } from "../generation/generate";
import { alternativesToScore, promptAnswer, scoreModelPrompt, scoringReport, type PromptScores, type PromptWants, type VllmPromptLogprobs } from "../generation/score-prompt";
import type { LlamaModel } from "node-llama-cpp";
import { fitByLines, promptTokenLimit, type PromptParts } from "../generation/fit-prompt";
import { chatPrompt, completionPrompt, type ChatTurn, type PromptTokens } from "../generation/prompts";
import { checkLookahead } from "../mixing/lookahead";
import { isVirtualModel, resolvePreset, type Preset } from "../presets";
import type { ModelRegistry } from "../registry/registry";
import { badRequest } from "./errors";
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
      const prompt = job.input.kind === "chat" ? await chatPrompt(model, job.input.messages) : fittedCompletionPrompt(model, job.input, contextSize, job.options.maxTokens);
      const options = { ...job.options, stop: [...job.options.stop, ...prompt.stops] };
      const promptParam = job.input.kind === "chat" ? "messages" : "prompt";
      const wants = promptWants(job);
      const topN = wants && alternativesToScore(wants);
      const scores = topN === undefined ? undefined : await scoreModelPrompt(lease.model, prompt.tokens, topN);
      const answer = wants && job.input.kind === "completion" ? promptAnswer(job.input.prompt, scores, lease.model.label, wants) : {};
      if (answer.echoed) onPiece(answer.echoed);
      const r = options.maxTokens === 0 ? nothingGenerated(prompt.tokens.length) : await generate(lease.model, prompt.tokens, { ...options, promptParam }, signal, onPiece, { topK: svc.topK, lookahead: drafts });
      // One model's logprobs are read normalised: its own, exact, whatever part of the vocabulary is read out.
      return { ...r, format: prompt.format, ...answer, report: wants ? { scoring: scoringReport("all") } : r.report };
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
    const wants = promptWants(job);
    // A request that generates nothing is still scored (with no alternatives), so its usage counts the prompt.
    const scoreTop = wants && (alternativesToScore(wants) ?? (job.options.maxTokens === 0 ? 0 : undefined));
    const scored = wants ? await scoreMixPrompt(mixer, prompt, context, scoreTop) : undefined;
    const answer = wants && scored ? promptAnswer(prompt, scored.scores, mixer.label, wants) : {};
    if (answer.echoed) onPiece(answer.echoed);
    const report = { strategy: spec.strategy, ...(wants ? { scoring: scoringReport(spec.topK ?? "all") } : {}) };
    const format = job.input.kind === "chat" ? "transcript" : job.input.suffix ? "prefix-only" : "plain";
    if (scored && job.options.maxTokens === 0) return { ...nothingGenerated(scored.promptTokens), report, ...answer, format };
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
      onPiece: (p) => onPiece(generatedPiece(p, withLogprobs, mixer.label)),
    });
    return { ...generateResult(r, withLogprobs, mixer.label, { ...report, writers: r.writers }), format, ...answer };
  });
}

/**
 * A preset's prompt scored under the mix (when `topN` says scores are wanted): the start token (logprob null) and
 * the prompt's tokens; a context read before the prompt conditions them but is not listed.
 */
async function scoreMixPrompt(mixer: Mixer, prompt: string, context: string | undefined, topN: number | undefined): Promise<{ scores?: PromptScores; promptTokens: number }> {
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
