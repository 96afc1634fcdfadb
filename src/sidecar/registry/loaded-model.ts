// A model llama.cpp has loaded, with its one context and sequence. Requests to the same model take turns
// (the lock): one sequence means one generation at a time, and it lets the next request reuse the KV cache of
// the shared prompt prefix (the typical inline-completion pattern: the same file, a few more characters).

import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel } from "node-llama-cpp";

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

  private constructor(
    readonly id: string,
    readonly path: string,
    readonly model: LlamaModel,
    readonly context: LlamaContext,
    readonly sequence: LlamaContextSequence,
    readonly vocabSize: number,
    /** What the model and its context occupy (RAM + VRAM), for the memory budget. */
    readonly sizeBytes: number,
  ) {}

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
      return new LoadedModel(id, path, model, context, sequence, vocabSize, Math.max(model.size, usage.ram + usage.vram));
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
    await this.context.dispose();
    await this.model.dispose();
  }
}
