// The mixer's fast path into llama.cpp: node-llama-cpp's native context methods (initBatch, addToBatch,
// decodeBatch, sampleToken, removeTokenCellsFromSequence) driven directly, for contexts the mixer owns alone.
//
// Why: `controlledEvaluate` costs ~0.2 ms of main-thread JavaScript per call whatever the model (a new native
// sampler with a vocabulary-sized buffer, locks, batch scheduling, thread-budget bookkeeping). A single model pays
// that once per token; a mix of N models pays it N times on the one main thread, which serialises lanes that
// should run side by side on the worker threads (measured at vocabulary 258: ~0.3 ms per public call vs ~0.08 ms
// here, so two lanes ran at ~0.6 of one model's speed). Here each lane keeps one sampler for its lifetime and a
// step is one batch, one decode and one sample per read position.
//
// These are node-llama-cpp internals (checked against 3.22.1). `attachNative` verifies their shape and returns
// undefined when anything is missing, so the caller falls back to the public API instead of failing. Only
// contexts with one user come here — a mixer's own contexts (it serialises its requests) and a loaded model's
// context (its requests take turns) — since nothing else may decode on them, the library's context lock and
// batch queue are not needed. The thread count is the one the context was created with
// (the library's shared thread budget is not consulted, as the mixer asks for its threads explicitly).

import type { LlamaContext, LlamaContextSequence, LlamaModel } from "node-llama-cpp";
import type { TokenId } from "./distribution";

/** What a read position returns: the kept entries (token → raw logit, highest first) and Σ exp(logit − max) over the kept set. */
export interface RawReadout {
  logits: ReadonlyMap<TokenId, number>;
  totalLogitWeight: number;
}

/**
 * Which entries a read keeps: "top" = llama.cpp's top-k sampler at temperature 1 (partial sort, normaliser over
 * the K kept); "normalised" = the same K best plus the full-vocabulary normaliser; "all" = every vocabulary entry.
 */
export type ReadKind = "top" | "normalised" | "all";

type FilterArg = [TokenId[], boolean, boolean, boolean, number];
type SampleResult = [number, unknown?, unknown?, number[]?, number?];

interface AddonContext {
  initBatch(size: number): void;
  addToBatch(sequenceId: number, firstTokenPosition: number, tokens: Uint32Array, logitIndexes: Uint32Array): Uint32Array;
  decodeBatch(): Promise<void>;
  sampleToken(
    batchLogitIndex: number,
    sampler: AddonSampler,
    probabilities: boolean,
    confidence: boolean,
    logits: boolean | FilterArg,
    totalLogitWeight: boolean,
  ): Promise<SampleResult>;
  removeTokenCellsFromSequence(sequenceId: number, start: number, end: number): boolean;
}

interface AddonSampler {
  applyConfig(config: Record<string, unknown>): void;
  dispose(): void;
}

type AddonSamplerClass = new (model: unknown) => AddonSampler;

/** One lane's sampler: configured once for its read kind (the library makes a new one per call). */
export interface NativeSampler {
  readonly kind: ReadKind;
  readonly topK: number;
  readonly sampler: AddonSampler;
  /** The logits argument of sampleToken, built once. */
  readonly logitsArg: boolean | FilterArg;
  /**
   * For "normalised": a greedy sampler read at the same position for the normaliser alone. Asked for no entries it
   * sorts nothing, so the full normaliser costs one O(V) pass instead of the full sort (~2 ms at 32k) that the
   * top K of the greedy chain needs; the entries come from the top-k sampler as for "top".
   */
  readonly normaliser?: AddonSampler;
}

/** One lane's part of a batched evaluation. */
export interface NativeJob {
  sequenceId: number;
  /** Position of the first token (the number of tokens already in this sequence's KV cache). */
  position: number;
  tokens: readonly TokenId[];
  /** Read the next-token distribution after every token from this index on. */
  readFrom: number;
  sampler: NativeSampler;
}

const NO_TOKENS: TokenId[] = [];

export class NativeContext {
  private busy: Promise<unknown> = Promise.resolve();
  private readonly samplers: AddonSampler[] = [];

  private constructor(
    private readonly addon: AddonContext,
    private readonly SamplerClass: AddonSamplerClass,
    private readonly nativeModel: unknown,
    private readonly batchSize: number,
  ) {}

  static attach(context: LlamaContext, model: LlamaModel): NativeContext | undefined {
    const internals = context as unknown as { _ctx?: Partial<AddonContext> };
    const modelInternals = model as unknown as { _model?: unknown; _llama?: { gpu?: unknown; _bindings?: { AddonSampler?: unknown } } };
    const addon = internals._ctx;
    const SamplerClass = modelInternals._llama?._bindings?.AddonSampler;
    const methods = ["initBatch", "addToBatch", "decodeBatch", "sampleToken", "removeTokenCellsFromSequence"] as const;
    if (!addon || !methods.every((m) => typeof addon[m] === "function") || typeof SamplerClass !== "function" || !modelInternals._model) return undefined;
    // node-llama-cpp serialises decodes across contexts on Vulkan (parallel decodes crash there); keep its path.
    if (modelInternals._llama?.gpu === "vulkan") return undefined;
    return new NativeContext(addon as AddonContext, SamplerClass as AddonSamplerClass, modelInternals._model, Math.max(1, context.batchSize));
  }

  /** The native id of one of this context's sequences, or undefined when the library does not expose it as expected. */
  static sequenceId(sequence: LlamaContextSequence): number | undefined {
    const id = (sequence as unknown as { _sequenceId?: unknown })._sequenceId;
    return typeof id === "number" && Number.isInteger(id) && id >= 0 ? id : undefined;
  }

  sampler(kind: ReadKind, topK: number): NativeSampler {
    // The seed only feeds the draw the mixer ignores: fixed, so nothing depends on the clock.
    const make = (config: Record<string, unknown>) => {
      const sampler = new this.SamplerClass(this.nativeModel);
      this.samplers.push(sampler);
      sampler.applyConfig({ ...config, seed: 0 });
      return sampler;
    };
    const greedy = { temperature: 0, minP: 0, topK: 40, topP: 0.95 };
    if (kind === "all") return { kind, topK, sampler: make(greedy), logitsArg: true };
    const logitsArg: FilterArg = [NO_TOKENS, false, false, false, topK];
    const sampler = make({ temperature: 1, topK, topP: 1, minP: 0 });
    return kind === "normalised" ? { kind, topK, sampler, logitsArg, normaliser: make(greedy) } : { kind, topK, sampler, logitsArg };
  }

  /**
   * Evaluate every job's tokens (several sequences share one decode, as llama.cpp batches them) and return, per
   * job, the read-outs from `readFrom` on. Batches never exceed the context's batch size; logits are read right
   * after the decode that produced them, before the next one overwrites them.
   */
  evaluate(jobs: readonly NativeJob[]): Promise<RawReadout[][]> {
    const run = this.busy.then(() => this.evaluateNow(jobs));
    this.busy = run.catch(() => undefined);
    return run;
  }

  private async evaluateNow(jobs: readonly NativeJob[]): Promise<RawReadout[][]> {
    const out: RawReadout[][] = jobs.map(() => []);
    const done = jobs.map(() => 0);
    for (;;) {
      // Fill one batch, job by job.
      let room = this.batchSize;
      const parts: { job: number; start: number; count: number }[] = [];
      for (let j = 0; j < jobs.length && room > 0; j++) {
        const count = Math.min(room, jobs[j]!.tokens.length - done[j]!);
        if (count <= 0) continue;
        parts.push({ job: j, start: done[j]!, count });
        room -= count;
      }
      if (parts.length === 0) return out;
      this.addon.initBatch(this.batchSize - room);
      const reads: { job: number; logitIndexes: Uint32Array }[] = [];
      for (const { job, start, count } of parts) {
        const j = jobs[job]!;
        const from = Math.max(j.readFrom, start);
        const wanted = from < start + count ? Uint32Array.from({ length: start + count - from }, (_, i) => from - start + i) : EMPTY;
        const tokens = start === 0 && count === j.tokens.length ? Uint32Array.from(j.tokens) : Uint32Array.from(j.tokens.slice(start, start + count));
        const logitIndexes = this.addon.addToBatch(j.sequenceId, j.position + start, tokens, wanted);
        if (logitIndexes.length > 0) reads.push({ job, logitIndexes });
        done[job] = start + count;
      }
      await this.addon.decodeBatch();
      // One sampler per lane handles its positions in order (a sampler holds one candidate buffer); lanes in parallel.
      await Promise.all(
        reads.map(async ({ job, logitIndexes }) => {
          const s = jobs[job]!.sampler;
          for (const index of logitIndexes) out[job]!.push(await this.read(index, s));
        }),
      );
    }
  }

  private async read(batchLogitIndex: number, s: NativeSampler): Promise<RawReadout> {
    // Both samplers read the same logits (they stay until the next decode); each has its own candidate buffer.
    const [r, full] = await Promise.all([
      this.addon.sampleToken(batchLogitIndex, s.sampler, false, false, s.logitsArg, true),
      s.normaliser ? this.addon.sampleToken(batchLogitIndex, s.normaliser, false, false, false, true) : undefined,
    ]);
    const flat = r[3];
    // Both weights are Σ exp(logit − the largest logit), and the largest logit is always among the top K.
    const totalLogitWeight = full ? full[4] : r[4];
    if (!Array.isArray(flat) || typeof totalLogitWeight !== "number") throw new Error("llama.cpp returned no logits for this position");
    const logits = new Map<TokenId, number>();
    for (let i = 0; i + 1 < flat.length; i += 2) logits.set(flat[i]!, flat[i + 1]!);
    return { logits, totalLogitWeight };
  }

  /** Drop a sequence's cached tokens from `start` on. False when llama.cpp cannot cut the cache there. */
  erase(sequenceId: number, start: number): Promise<boolean> {
    const run = this.busy.then(() => this.addon.removeTokenCellsFromSequence(sequenceId, start, -1));
    this.busy = run.catch(() => undefined);
    return run;
  }

  /** Frees the samplers (the context itself belongs to the mixer, which disposes it). */
  dispose(): void {
    for (const s of this.samplers.splice(0)) s.dispose();
  }
}

const EMPTY = new Uint32Array(0);
