// createMixer: bind a MixSpec to loaded models (the caller's registry owns loading and unloading), check they
// share a vocabulary (one tokenizer, perhaps padded to different lengths: vocab.ts), make one context per distinct
// model (one sequence per lane on it, threads set explicitly), and serve generate() requests one at a time over
// those contexts. Each lane keeps its KV cache between requests, so a prompt that extends or shares a start with the
// previous one only evaluates what changed. Each lane reads the prompt its own model expects, as a single model does
// (generation/prompts.ts): fill-in-the-middle in its FIM tokens when a suffix is given, a chat in its chat template.

import { quoteValue } from "../../core/quote";
import type { LlamaContext, LlamaModel } from "node-llama-cpp";
import { buildFittedPrompt, countUpTo, estimateCeiling, SYNC_FIT_CHARS } from "../generation/fit-large-prompt";
import { promptTokenLimit } from "../generation/fit-prompt";
import { completionPrompt, hasFimTokens, transcriptPrompt, type ChatTurn, type PromptTokens } from "../generation/prompts";
import { decode, type MixGenerateResult, type ReplyPiece } from "./decode";
import type { TokenId } from "./distribution";
import { createLane, laneVocabulary, startLane, type Lane } from "./lockstep";
import { checkLookahead, DEFAULT_LOOKAHEAD } from "./lookahead";
import { NativeContext } from "./native-batch";
import { validateSampling, type SamplingOptions } from "./sampling";
import { scoreTokens, type ScoreResult } from "./score";
import { parseMixSpec, type MixSpec } from "./spec";
import { strategyFor } from "./strategies/index";
import type { LaneRole } from "./strategies/types";
import { textOfModel } from "./text";
import { tokenLabeler, type TokenLabeler } from "../generation/token-labels";
import { sharedVocabulary, vocabularyOf } from "./vocab";

/** Loaded models by registry name, or a loader the registry provides. */
export type ModelSource = Readonly<Record<string, LlamaModel>> | ((name: string) => Promise<LlamaModel>);

export interface MixerOptions {
  /** CPU threads per context (one context per distinct model). Default 1. */
  threads?: number;
  /** Tokens per lane; default min(2048, the model's training context). */
  contextSize?: number;
  /**
   * Keep each lane's KV cache between requests and evaluate only the tokens after the longest common prefix with
   * the previous request. Default true; the tokens generated are the same either way.
   */
  reusePrefix?: boolean;
  /**
   * Drive llama.cpp through node-llama-cpp's native context directly (native-batch.ts) rather than its public
   * controlledEvaluate. Default true; falls back to the public API when the library's internals are not as expected.
   */
  nativeBatch?: boolean;
  /**
   * Lookahead decoding: the most draft tokens (guessed from the prompt and reply, decode.ts) a mix step checks in
   * the lanes' batch. The tokens written are the same with any value; 0 checks none. Default 4.
   */
  lookahead?: number;
  /**
   * A lane's chat prompt. The sidecar renders the model's chat template in its helper process (a template is code
   * from the file: generation/chat-templates.ts); without one, lanes read a plain transcript and no template runs.
   */
  chatPrompt?: (model: LlamaModel, messages: readonly ChatTurn[]) => Promise<PromptTokens>;
}

export interface MixGenerateRequest {
  /** The text before the cursor (or the whole prompt); ignored when `messages` is given. */
  prompt: string;
  /** The text after the cursor: each lane gets its model's fill-in-the-middle layout (its prefix alone without FIM tokens). */
  suffix?: string;
  /** A conversation: each lane gets it through its model's chat template (a plain transcript without one). */
  messages?: ChatTurn[];
  /** truncate_prompt_tokens: drop the prompt's oldest whole lines until it fits (see fit-prompt.ts). */
  truncate?: number;
  /** File/project context placed before the prompt (context-contrastive decoding reads the prompt without it too). */
  context?: string;
  /** Default 128. */
  maxTokens?: number;
  stop?: string[];
  sampling?: SamplingOptions;
  /** Alternatives per token to report, 0–20. Default 0. */
  topLogprobs?: number;
  signal?: AbortSignal;
  /** Each piece of the reply as it becomes safe to stream (text, and the tokens whose text starts in it). */
  onPiece?: (piece: ReplyPiece) => void;
  /** Overrides the mixer's lookahead for this request (0 = none). */
  lookahead?: number;
}

/** A reply, and how the writing lane's prompt was built ("fim", "template", … as for a single model). */
export type MixReply = MixGenerateResult & { format: PromptTokens["format"] };

export interface Mixer {
  readonly spec: MixSpec;
  readonly lanes: readonly LaneRole[];
  readonly vocabSize: number;
  readonly contextSize: number;
  /** Each token's name and bytes for logprobs (lane 0's model: every id means the same in all lanes). */
  readonly label: TokenLabeler;
  generate(req: MixGenerateRequest): Promise<MixReply>;
  /**
   * The mixed log-probability of each token of `text` after `context` (teacher forcing), and the cross-entropy:
   * the exact distribution (every lane read whole), whatever the spec's topK for decoding.
   */
  score(req: ScoreRequest): Promise<MixScore>;
  /** Frees the contexts (not the models: they belong to the caller). */
  dispose(): Promise<void>;
}

export interface ScoreRequest {
  text: string;
  context?: string;
  /** Alternatives per position to report, as decoding does (0–20). Default 0. */
  topLogprobs?: number;
}

export interface MixScore extends ScoreResult {
  /** Lane 0's tokens before the text (start token, context): what the first scored token is predicted from. */
  prefix: TokenId[];
  /** The text's first token when nothing precedes it (no start token, no context): not scored. */
  unscored: TokenId[];
  /** The text's tokens that were scored (logprobs[i] is target[i]'s). */
  target: TokenId[];
}

export class MixRequestError extends Error {
  override readonly name = "MixRequestError";
}

/** The prompt does not fit the mixing context: the same refusal a single model gives (context_length_exceeded). */
export class MixContextError extends Error {
  override readonly name = "MixContextError";
}

export async function createMixer(specInput: MixSpec, source: ModelSource, options: MixerOptions = {}): Promise<Mixer> {
  const spec = parseMixSpec(specInput);
  const strategy = strategyFor(spec);
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new MixRequestError(`threads must be a positive integer, not ${threads}`);

  const byName = new Map<string, LlamaModel>();
  for (const role of strategy.lanes) {
    if (byName.has(role.model)) continue;
    byName.set(role.model, await resolveModel(source, role));
  }
  // Models of one family may differ in vocabulary length (padding): they mix over the ids they share (vocab.ts).
  const vocabs = new Map([...byName].map(([name, model]) => [name, vocabularyOf(model, name)]));
  const shared = sharedVocabulary([...vocabs.values()]);
  const vocabSize = shared.size;
  const contextSize = Math.min(options.contextSize ?? 2048, ...[...byName.values()].map((m) => m.trainContextSize));

  const reusePrefix = options.reusePrefix ?? true;
  const lookahead = checkLookahead(options.lookahead ?? DEFAULT_LOOKAHEAD);
  const contexts: LlamaContext[] = [];
  const natives: NativeContext[] = [];
  const lanes: Lane[] = [];
  try {
    for (const [name, model] of byName) {
      const roles = strategy.lanes.filter((l) => l.model === name);
      const ctx = await model.createContext({ contextSize, sequences: roles.length, threads });
      contexts.push(ctx);
      const sequences = roles.map(() => ctx.getSequence());
      // All of a context's lanes take one path: the public one decodes through the library's queue, which knows
      // nothing of batches made directly on the same context.
      const attached = options.nativeBatch === false ? undefined : NativeContext.attach(ctx, model);
      const native = attached && sequences.every((s) => NativeContext.sequenceId(s) !== undefined) ? attached : undefined;
      if (native) natives.push(native);
      const vocab = laneVocabulary(vocabs.get(name)!.tokens.length, shared);
      roles.forEach((role, i) => lanes.push(createLane(role, sequences[i]!, vocab, native)));
    }
  } catch (e) {
    for (const n of natives) n.dispose();
    await Promise.allSettled(contexts.map((c) => c.dispose()));
    throw e;
  }
  // Lanes in the strategy's order, whatever order the contexts were made in.
  lanes.sort((a, b) => strategy.lanes.indexOf(a.role) - strategy.lanes.indexOf(b.role));

  let queue: Promise<unknown> = Promise.resolve();
  // Lane 0's model writes the text (every id the mix may choose means the same text in all lanes).
  const writerText = textOfModel(byName.get(lanes[0]!.role.model)!);
  let disposed = false;
  const modelOf = (lane: Lane) => byName.get(lane.role.model)!;

  function checkOpen(): void {
    if (disposed) throw new MixRequestError("this mixer has been disposed; create a new one");
  }

  /** The most tokens any lane's model makes of a text. */
  const count = (text: string) => Math.max(...lanes.map((lane) => modelOf(lane).tokenize(text).length));

  /** Each lane's prompt: (its context +) the prefix, with the suffix in its model's FIM layout when there is one. */
  function completionPrompts(context: string, prompt: string, suffix: string | undefined): PromptTokens[] {
    checkOpen();
    return lanes.map((lane) => completionPrompt(modelOf(lane), lane.role.withContext ? context + prompt : prompt, suffix));
  }

  /**
   * Each lane's prompt: the conversation in its model's chat template (a lane that reads the context gets it first).
   * Messages above SYNC_FIT_CHARS are counted in pieces first and refused when they cannot fit, as for one model.
   */
  async function chatPrompts(context: string, messages: readonly ChatTurn[]): Promise<PromptTokens[]> {
    checkOpen();
    const withContext: ChatTurn[] = context ? [{ role: "system", content: context }, ...messages] : [...messages];
    if (withContext.reduce((n, m) => n + m.content.length, 0) > SYNC_FIT_CHARS) {
      const ceiling = estimateCeiling(contextSize);
      let tokens = 0;
      for (const m of withContext) {
        tokens += await countUpTo(m.content, ceiling - tokens, count);
        if (tokens > ceiling)
          throw new MixContextError(`the messages are more than ${ceiling} tokens, which does not fit the ${contextSize}-token mixing context; shorten them`);
      }
    }
    const render = options.chatPrompt ?? (async (model: LlamaModel, turns: readonly ChatTurn[]) => transcriptPrompt(model, turns));
    return Promise.all(lanes.map((lane) => render(modelOf(lane), lane.role.withContext ? withContext : messages)));
  }

  /**
   * The lanes' prompts; with a `limit`, a prompt too long for it keeps only the whole lines nearest the cursor that
   * fit every lane (fit-prompt.ts). A prompt that fits is tokenized once, as on every inline completion. Large texts
   * are counted in pieces first (fit-large-prompt.ts), the context too: it is never cut, so one that cannot fit is
   * refused.
   */
  async function fittedPrompts(context: string, prompt: string, suffix: string | undefined, limit: number | undefined): Promise<PromptTokens[]> {
    const ceiling = estimateCeiling(contextSize);
    if (context.length > SYNC_FIT_CHARS && (await countUpTo(context, ceiling, count)) > ceiling)
      throw new MixContextError(`the context is more than ${ceiling} tokens, which does not fit the ${contextSize}-token mixing context; send less context`);
    const built = await buildFittedPrompt({ prefix: prompt, suffix: suffix ?? "" }, limit, contextSize, {
      build: (p) => completionPrompts(context, p.prefix, suffix === undefined ? undefined : p.suffix),
      tokens: (prompts) => Math.max(...prompts.map((x) => x.tokens.length)),
      count,
      // No lane with FIM tokens reads the suffix: it costs nothing and is kept whole.
      ignoresSuffix: !lanes.some((lane) => hasFimTokens(modelOf(lane))),
    });
    if ("tooLong" in built)
      throw new MixContextError(
        `the prompt is ${built.tooLong} tokens, which does not fit the ${contextSize}-token mixing context; shorten the prompt or context`,
      );
    return built.prompt;
  }

  /**
   * Start each lane on its prompt tokens; its pending tokens are what its KV cache does not already hold.
   * Returns the prompt's tokens (lane 0's) and how many prompt tokens all lanes together will evaluate.
   */
  async function startLanes(prompts: TokenId[][], reserve: number): Promise<{ promptTokens: TokenId[]; toEvaluate: number }> {
    for (const tokens of prompts) {
      if (tokens.length === 0) throw new MixRequestError("the prompt is empty and the model adds no start token; give a prompt");
      if (tokens.length + reserve > contextSize)
        throw new MixContextError(
          `the prompt is ${tokens.length} tokens, which with ${reserve} more does not fit the ${contextSize}-token mixing context; shorten the prompt or context`,
        );
    }
    let toEvaluate = 0;
    for (const [i, lane] of lanes.entries()) toEvaluate += await startLane(lane, prompts[i]!, reusePrefix);
    return { promptTokens: prompts[0]!, toEvaluate };
  }

  async function run(req: MixGenerateRequest): Promise<MixReply> {
    const r = validateRequest(req, spec, contextSize);
    const limit = r.truncate === undefined ? undefined : promptTokenLimit(r.truncate, contextSize, r.maxTokens);
    const prompts = r.messages ? await chatPrompts(r.context, r.messages) : await fittedPrompts(r.context, r.prompt, r.suffix, limit);
    const { promptTokens, toEvaluate } = await startLanes(
      prompts.map((p) => p.tokens),
      1,
    );
    // Every lane's format implies its stops (a template's end of turn); whichever lane's turn ends, the reply does.
    const stop = [...new Set([...r.stop, ...prompts.flatMap((p) => p.stops)])];
    const reply = await decode(
      {
        strategy,
        lanes,
        topK: spec.topK ?? "all",
        ...writerText,
        promptTail: promptTokens.slice(-8),
        contextSize,
        promptTokens: promptTokens.length,
        promptTokensEvaluated: toEvaluate,
        lookahead: r.lookahead ?? lookahead,
        vocabSize,
        history: promptTokens,
      },
      { ...r, stop },
    );
    return { ...reply, format: prompts[0]!.format };
  }

  async function score(req: ScoreRequest): Promise<MixScore> {
    if (typeof req.text !== "string" || req.text === "") throw new MixRequestError("text to score must be a non-empty string");
    if (req.context !== undefined && typeof req.context !== "string") throw new MixRequestError("context must be a string when given");
    if (spec.strategy === "context-contrastive" && !req.context) throw new MixRequestError("context-contrastive scoring needs a non-empty context");
    const text = modelOf(lanes[0]!).tokenize(req.text);
    const prefixes = completionPrompts(req.context ?? "", "", undefined).map((p) => p.tokens);
    // With no start token and no context nothing predicts the first token: it becomes the prefix, left unscored.
    const unscored = prefixes[0]!.length === 0 ? text.slice(0, 1) : [];
    const target = text.slice(unscored.length);
    if (target.length === 0) return { logprobs: [], top: [], ranks: [], crossEntropy: NaN, writers: {}, prefix: prefixes[0]!, unscored, target };
    await startLanes(
      prefixes.map((p) => [...p, ...unscored]),
      target.length,
    );
    // Always the whole vocabulary: a top-K read-out would bound a token it left out, not give its probability.
    return { ...(await scoreTokens(strategy, lanes, "all", target, req.topLogprobs ?? 0)), prefix: prefixes[0]!, unscored, target };
  }

  // One request at a time over the shared contexts; a failed one does not block the next.
  function serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = queue.then(work);
    queue = result.catch(() => undefined);
    return result;
  }

  return {
    spec,
    lanes: strategy.lanes,
    vocabSize,
    contextSize,
    label: tokenLabeler(byName.get(lanes[0]!.role.model)!),
    generate: (req) => serialized(() => run(req)),
    score: (req) => serialized(() => score(req)),
    async dispose() {
      disposed = true;
      await queue;
      for (const n of natives) n.dispose();
      await Promise.allSettled(contexts.map((c) => c.dispose()));
    },
  };
}

async function resolveModel(source: ModelSource, role: LaneRole): Promise<LlamaModel> {
  const model = typeof source === "function" ? await source(role.model) : source[role.model];
  if (!model) throw new MixRequestError(`model "${role.model}" (the ${role.role} of this mix) is not loaded or not known to the sidecar`);
  return model;
}

function validateRequest(req: MixGenerateRequest, spec: MixSpec, contextSize: number) {
  if (req.messages === undefined && typeof req.prompt !== "string") throw new MixRequestError("prompt must be a string");
  if (req.suffix !== undefined && typeof req.suffix !== "string") throw new MixRequestError("suffix must be a string when given");
  if (req.messages !== undefined && (!Array.isArray(req.messages) || req.messages.length === 0 || req.messages.some((m) => typeof m?.content !== "string")))
    throw new MixRequestError("messages must be a non-empty list of chat turns with string content");
  if (req.context !== undefined && typeof req.context !== "string") throw new MixRequestError("context must be a string when given");
  if (spec.strategy === "context-contrastive" && !req.context)
    throw new MixRequestError("context-contrastive decoding needs a non-empty context (the file or project text to contrast against)");
  const maxTokens = req.maxTokens ?? 128;
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens >= contextSize)
    throw new MixRequestError(`maxTokens must be an integer from 1 to ${contextSize - 1}, not ${quoteValue(req.maxTokens)}`);
  const stop = req.stop ?? [];
  if (!Array.isArray(stop) || stop.length > 16 || stop.some((s) => typeof s !== "string" || s === ""))
    throw new MixRequestError("stop must be a list of at most 16 non-empty strings");
  const topLogprobs = req.topLogprobs ?? 0;
  if (!Number.isInteger(topLogprobs) || topLogprobs < 0 || topLogprobs > 20)
    throw new MixRequestError(`topLogprobs must be an integer from 0 to 20, not ${quoteValue(req.topLogprobs)}`);
  validateSampling(req.sampling);
  const lookahead = req.lookahead === undefined ? undefined : checkLookahead(req.lookahead);
  if (req.truncate !== undefined && (!Number.isInteger(req.truncate) || req.truncate === 0 || req.truncate < -1))
    throw new MixRequestError(`truncate must be -1 (as many prompt tokens as fit) or a positive number of tokens, not ${quoteValue(req.truncate)}`);
  return { ...req, maxTokens, stop, topLogprobs, lookahead, context: req.context ?? "" };
}
