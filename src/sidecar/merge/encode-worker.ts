// The program of one encoding worker thread (merge/encode-pool.ts): it encodes merged float32 chunks as their
// output type with the same codecs the main thread uses, so the bytes are identical wherever a chunk is encoded.
// Bundled on its own as dist/chorus-encode-worker.js; run from source through tsx in tests.
import { parentPort } from "node:worker_threads";
import type { GgmlType } from "../gguf/types";
import { encodeTensor } from "./f16-encode";

export interface EncodeRequest {
  id: number;
  type: GgmlType;
  values: Float32Array;
}

export type EncodeReply = { id: number; buffer: ArrayBuffer; offset: number; length: number } | { id: number; error: string };

function answer(r: EncodeRequest): void {
  try {
    const bytes = encodeTensor(r.type, r.values);
    const reply: EncodeReply = { id: r.id, buffer: bytes.buffer as ArrayBuffer, offset: bytes.byteOffset, length: bytes.byteLength };
    // The encoded bytes move to the main thread without a copy.
    parentPort!.postMessage(reply, [reply.buffer]);
  } catch (e) {
    parentPort!.postMessage({ id: r.id, error: e instanceof Error ? e.message : String(e) } satisfies EncodeReply);
  }
}

parentPort?.on("message", answer);
