// The distribution a generated bigram GGUF really encodes, read back from the file: for a quantized or F16 model
// this differs from the training table by the storage precision, and it is what llama.cpp computes. Mixing tests
// at 32k vocabulary (stored as Q8_0) compare against this.
import { dequantize } from "../gguf/codecs/index";
import { getNumber, getString } from "../gguf/metadata";
import { GgufReader } from "../gguf/reader";
import { GgmlType, GgufError } from "../gguf/types";
import { tableFromLogProbs, type BigramTable } from "./bigram";
import { BASE_VOCAB } from "./byte-vocab";

/**
 * llama.cpp's CPU matmul quantizes the activation to Q8_0/Q8_1 for these weight types: the one-hot 1.0 becomes
 * fp16(1/127)·127. K-quants use Q8_K (a float scale, exact) and float types keep the activation as it is.
 */
export function oneHotActivationScale(weightType: GgmlType): number {
  const viaQ8 = [GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1].includes(weightType);
  return viaQ8 ? 0.00787353515625 * 127 : 1;
}

/** log-softmax over the vocabulary of llama.cpp's logits after each row's token, computed from the stored weights. */
export async function readBigramTable(path: string): Promise<BigramTable> {
  const reader = await GgufReader.open(path);
  try {
    if (getString(reader.metadata, "chorus.test_model.kind") !== "bigram") {
      throw new GgufError('is not a Chorus bigram test model (chorus.test_model.kind is not "bigram")', path);
    }
    const out = reader.requireTensor("output.weight");
    const [dim, V] = out.dims as [number, number];
    const rows = V > BASE_VOCAB ? BASE_VOCAB + 1 : BASE_VOCAB;
    const scale = oneHotActivationScale(out.type);
    const logits = new Float64Array(rows * V);
    let v = 0;
    for await (const chunk of reader.readTensorChunks(out, 4 << 20)) {
      const w = dequantize(out.type, chunk.bytes, chunk.rowCount * dim);
      for (let i = 0; i < chunk.rowCount; i++, v++) {
        for (let k = 0; k < rows; k++) logits[k * V + v] = w[i * dim + k]! * scale;
      }
    }
    for (let k = 0; k < rows; k++) logSoftmaxInPlace(logits.subarray(k * V, (k + 1) * V));
    return tableFromLogProbs(V, rows, getNumber(reader.metadata, "chorus.test_model.smoothing") ?? NaN, logits);
  } finally {
    await reader.close();
  }
}

function logSoftmaxInPlace(row: Float64Array): void {
  let max = -Infinity;
  for (const x of row) if (x > max) max = x;
  let sum = 0;
  for (const x of row) sum += Math.exp(x - max);
  const lse = max + Math.log(sum);
  for (let i = 0; i < row.length; i++) row[i]! -= lse;
}
