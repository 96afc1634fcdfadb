// Rewrites a GGUF file with edited metadata, a subset of its tensors, or tensors converted to another type, one
// tensor at a time: the building block for "rename this model", "re-encode as Q8_0" and the validator's tests.
import { dequantize, quantize } from "./codecs/index";
import { GgufReader } from "./reader";
import type { GgmlType, GgufMetadata, GgufTensorInfo } from "./types";
import { writeGguf, type GgufTensorSpec, type WriteGgufResult } from "./writer";

export interface CopyGgufOptions {
  input: string;
  out: string;
  /** Returns the metadata to write (receives a copy of the input's; general.alignment is kept unless removed). */
  editMetadata?: (metadata: GgufMetadata) => GgufMetadata;
  /** Keep only the tensors for which this returns true. */
  keepTensor?: (tensor: GgufTensorInfo) => boolean;
  /** New type for a tensor (undefined keeps it): decoded and re-encoded row chunk by row chunk. */
  convertTensor?: (tensor: GgufTensorInfo) => GgmlType | undefined;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export async function copyGguf(opts: CopyGgufOptions): Promise<WriteGgufResult> {
  const reader = await GgufReader.open(opts.input);
  try {
    const metadata = opts.editMetadata ? opts.editMetadata(new Map(reader.metadata)) : new Map(reader.metadata);
    const sources = reader.tensors.filter((t) => opts.keepTensor?.(t) ?? true);
    const specs: GgufTensorSpec[] = sources.map((t) => ({ name: t.name, dims: [...t.dims], type: opts.convertTensor?.(t) ?? t.type }));
    return await writeGguf({
      out: opts.out,
      metadata,
      tensors: specs,
      inputs: [opts.input],
      signal: opts.signal,
      onProgress: opts.onProgress,
      data: (spec, i) => chunks(reader, sources[i]!, spec.type),
    });
  } finally {
    await reader.close();
  }
}

async function* chunks(reader: GgufReader, t: GgufTensorInfo, type: GgmlType): AsyncGenerator<Uint8Array> {
  const { rowLength } = GgufReader.rows(t);
  for await (const c of reader.readTensorChunks(t)) {
    yield type === t.type ? c.bytes : quantize(type, dequantize(t.type, c.bytes, c.rowCount * rowLength));
  }
}
