// The contract every merge method implements: one tensor at a time, in float32.
import type { TensorParams } from "../params";
import type { Rng } from "../rng";

export type MethodName =
  "linear" | "task_arithmetic" | "ties" | "dare_ties" | "dare_linear" | "breadcrumbs" | "breadcrumbs_ties" | "della" | "della_linear" | "slerp" | "model_stock";

export interface TensorJob {
  /** GGUF tensor name, e.g. "blk.3.attn_q.weight". */
  name: string;
  /** Elements per row (ggml ne0): DELLA ranks magnitudes within rows. */
  rowLength: number;
  /** The non-base models' values, all the same length. For slerp: the one model interpolated towards. */
  models: Float32Array[];
  /** The base model's values (task-vector methods, model_stock; slerp's t = 0 end). */
  base?: Float32Array;
  params: TensorParams;
  /** Index in the whole tensor of this job's first value (0 unless the tensor is merged in row chunks). */
  offset: number;
  /** The seeded random stream for model i of this tensor, positioned at `offset` (one draw per value). */
  rng(modelIndex: number): Rng;
}

export interface MergeMethod {
  name: MethodName;
  /** Whether a base model is required ("required"), meaningless ("none"), or taken as given. */
  base: "required" | "none";
  minModels: number;
  maxModels?: number;
  /** Parameter names the method reads (per model or global); anything else in a plan is refused as a typo. */
  parameters: readonly string[];
  /**
   * Element-wise methods may be fed a large tensor in row chunks, which keeps memory flat; the others need the
   * whole tensor (global top-k, norms, L1 rescale).
   */
  chunkable: boolean;
  /**
   * For methods that are a fixed weighted sum of their inputs (linear, task_arithmetic): the coefficient of each
   * input, base first when there is one, so the driver can fuse decoding, summing and encoding. merge() must
   * compute exactly Σ cᵢ·inputᵢ with these coefficients (weightedSum), so both paths write the same bits.
   */
  linearCoefficients?(params: TensorParams, modelCount: number): number[];
  /**
   * Methods that need whole-tensor statistics (norms, dot products, rank thresholds) but are otherwise
   * element-wise: the driver gathers the statistics in `passes` passes over row chunks (default 1), calling
   * finishPass after each, then merges chunk by chunk, so memory stays flat. The accumulation runs over elements
   * in order, so chunked and whole-tensor results are the same bits.
   */
  streaming?: {
    passes?: number;
    newStats(modelCount: number): Float64Array;
    accumulate(job: TensorJob, stats: Float64Array, pass: number): void;
    /** `values`: the tensor's size. */
    finishPass?(stats: Float64Array, pass: number, params: TensorParams, modelCount: number, values: number): void;
    mergeWithStats(job: TensorJob, stats: Float64Array): Float32Array;
  };
  /** Returns a new array with the merged values; never modifies its inputs' contents unless documented. */
  merge(job: TensorJob): Float32Array;
}
