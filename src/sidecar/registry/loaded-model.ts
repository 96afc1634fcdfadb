// A model llama.cpp has loaded, with its one context and sequence. Requests to the same model take turns
// (the lock): one sequence means one generation at a time, and it lets the next request reuse the KV cache of
// the shared prompt prefix (the typical inline-completion pattern: the same file, a few more characters).
// The sequence is driven as a lockstep lane (mixing/lockstep.ts), the same fast path a mix's models take.

import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel } from "node-llama-cpp";
import { createLane, wholeVocabulary, type Lane } from "../mixing/lockstep";
import { NativeContext } from "../mixing/native-batch";
import { tokenLabeler, type TokenLabeler } from "../generation/token-labels";

export interface LoadOptions {
  threads: number;
  /** Upper bound on the context; the model's own training context caps it further. */
  maxContext: number;
  gpu: "auto" | false;
  /** LoRA adapters llama.cpp applies on this model's context (validated by the registry beforehand). */
  adapters?: readonly { path: string; scale: number }[];
}

export class LoadedModel {
  private queue: Promise<void> = Promise.resolve();
  lastUsed = Date.now();
  users = 0;
  /** The sequence as a lane: its KV-cache bookkeeping and read-outs, shared with the mixer's lanes. */
  readonly lane: Lane;
  /** Each token's name and bytes for logprobs (token-labels.ts). */
  readonly label: TokenLabeler;

  private constructor(
    readonly id: string,
    readonly path: string,
    readonly model: LlamaModel,
    readonly context: LlamaContext,
    readonly sequence: LlamaContextSequence,
    readonly vocabSize: number,
    /** What the model and its context occupy (RAM + VRAM), for the memory budget. */
    readonly sizeBytes: number,
    private readonly native: NativeContext | undefined,
  ) {
    this.lane = createLane({ role: "model", model: id, withContext: false }, sequence, wholeVocabulary(vocabSize), native);
    this.label = tokenLabeler(model);
  }

  /** Prompt, generated and draft tokens evaluated on this model so far (a reused prefix is not evaluated again). */
  get tokensEvaluated(): number {
    return this.lane.tokensEvaluated;
  }

  static async load(llama: Llama, id: string, path: string, opts: LoadOptions): Promise<LoadedModel> {
    const model = await llama.loadModel({ modelPath: path, gpuLayers: opts.gpu === false ? 0 : "auto" });
    try {
      const contextSize = Math.max(16, Math.min(opts.maxContext, model.trainContextSize || opts.maxContext));
      const lora = opts.adapters?.length ? { adapters: opts.adapters.map((a) => ({ filePath: a.path, scale: a.scale })) } : undefined;
      const context = await model.createContext({ contextSize, threads: opts.threads, sequences: 1, lora });
      const sequence = context.getSequence();
      let vocabSize = 0;
      for (const _ of model.iterateAllTokens()) vocabSize++;
      const usage = model.memoryUsage;
      // Only this model's requests decode on this context, one at a time (exclusive()), as the native path needs.
      const native = NativeContext.attach(context, model);
      return new LoadedModel(id, path, model, context, sequence, vocabSize, Math.max(model.size, usage.ram + usage.vram), native);
    } catch (e) {
      await model.dispose();
      throw e;
    }
  }

  /** Run `fn` when no other request is using this model. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.queue;
    let release!: () => void;
    this.queue = new Promise<void>((r) => (release = r));
    await previous;
    try {
      return await fn();
    } finally {
      this.lastUsed = Date.now();
      release();
    }
  }

  async dispose(): Promise<void> {
    this.native?.dispose();
    await this.context.dispose();
    await this.model.dispose();
  }
}
