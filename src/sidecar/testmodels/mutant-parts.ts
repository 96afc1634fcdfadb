// A GGUF model held whole in memory (tiny test models only), and the ways the fuzz corpus (mutants.ts) writes a
// changed copy: through the project's writer (well-formed layout), or with a hand-made header whose offsets,
// names and alignment the writer would refuse to produce.

import { writeFileSync } from "node:fs";
import { encodeGgufHeader } from "../gguf/header-encoder";
import { GgufReader } from "../gguf/reader";
import { GGUF_DEFAULT_ALIGNMENT, alignUp, tensorByteSize, type GgmlType, type GgufMetadata } from "../gguf/types";
import { writeGguf } from "../gguf/writer";

export interface TensorPart {
  name: string;
  type: GgmlType;
  dims: number[];
  data: Uint8Array;
}

export interface ModelParts {
  metadata: GgufMetadata;
  tensors: TensorPart[];
}

export async function readParts(path: string): Promise<ModelParts> {
  const r = await GgufReader.open(path);
  try {
    const tensors: TensorPart[] = [];
    for (const t of r.tensors) tensors.push({ name: t.name, type: t.type, dims: [...t.dims], data: new Uint8Array(await r.readTensorBytes(t)) });
    return { metadata: new Map(r.metadata), tensors };
  } finally {
    await r.close();
  }
}

export function cloneParts(p: ModelParts): ModelParts {
  return { metadata: new Map(p.metadata), tensors: p.tensors.map((t) => ({ ...t, dims: [...t.dims], data: new Uint8Array(t.data) })) };
}

/** Zero bytes of the right size for `type` and `dims` (a tensor whose shape or type a mutant changed). */
export function zeroData(type: GgmlType, dims: readonly number[]): Uint8Array {
  return new Uint8Array(tensorByteSize(type, dims));
}

export async function writeParts(p: ModelParts, out: string): Promise<void> {
  await writeGguf({ out, metadata: p.metadata, tensors: p.tensors, data: (_t, i) => p.tensors[i]!.data });
}

/** Header and data laid out by hand: `offsetOf` may move a tensor anywhere, `alignment` need not be legal. */
export function writeRaw(p: ModelParts, out: string, opts: { alignment?: number; offsetOf?: (index: number, proper: number) => number } = {}): void {
  const align = opts.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  let at = 0;
  const places = p.tensors.map((t) => {
    const proper = at;
    at = alignUp(at + t.data.length, Math.max(1, align));
    return proper;
  });
  const header = encodeGgufHeader(
    p.metadata,
    p.tensors.map((t, i) => ({ name: t.name, dims: t.dims, type: t.type, offset: opts.offsetOf?.(i, places[i]!) ?? places[i]! })),
    Math.max(1, align),
  );
  const data = new Uint8Array(at);
  p.tensors.forEach((t, i) => data.set(t.data.subarray(0, Math.max(0, Math.min(t.data.length, data.length - places[i]!))), places[i]!));
  writeFileSync(out, Buffer.concat([header, data]));
}
