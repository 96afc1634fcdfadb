// The program of one encoding worker thread (merge/encode-pool.ts): it encodes merged float32 chunks as their
// output type with the same codecs the main thread uses, so the bytes are identical wherever a chunk is encoded.
// For a linear merge (linear, plain task arithmetic) it can also take the inputs' stored rows and do the whole chunk
// — decode, weighted sum, encode — with the same functions as the main thread, so that work spreads over the cores
// too instead of waiting on the one thread that reads.
// Bundled on its own as dist/chorus-encode-worker.js; run from source through tsx in tests.
import { parentPort } from "node:worker_threads";
import { dequantize } from "../gguf/codecs/index";
import type { GgmlType } from "../gguf/types";
import { encodeTensor } from "./f16-encode";
import { weightedSum } from "./methods/linear";

/** Encode merged values as `type`. */
export interface EncodeValues {
  id: number;
  type: GgmlType;
  values: Float32Array;
}

/** Merge a chunk linearly and encode it: Σ coefficients[i]·decode(inputs[i]), written as `type`. */
export interface MergeLinear {
  id: number;
  type: GgmlType;
  inputs: { type: GgmlType; bytes: Uint8Array }[];
  coefficients: number[];
  /** Values in the chunk. */
  count: number;
}

export type EncodeRequest = EncodeValues | MergeLinear;

/** The merged values of a request: given, or decoded and summed here exactly as tensor-merger.ts would. */
function valuesOf(r: EncodeRequest): Float32Array {
  if ("values" in r) return r.values;
  return weightedSum(
    r.inputs.map((input) => dequantize(input.type, input.bytes, r.count)),
    r.coefficients,
  );
}

export type EncodeReply = { id: number; buffer: ArrayBuffer; offset: number; length: number } | { id: number; error: string };

function answer(r: EncodeRequest): void {
  try {
    const bytes = encodeTensor(r.type, valuesOf(r));
    const reply: EncodeReply = { id: r.id, buffer: bytes.buffer as ArrayBuffer, offset: bytes.byteOffset, length: bytes.byteLength };
    // The encoded bytes move to the main thread without a copy.
    parentPort!.postMessage(reply, [reply.buffer]);
  } catch (e) {
    parentPort!.postMessage({ id: r.id, error: e instanceof Error ? e.message : String(e) } satisfies EncodeReply);
  }
}

parentPort?.on("message", answer);
