// A GGUF file opened for reading: the header is parsed up front (see header-parser.ts), tensor data is read on
// demand by offset, a tensor or a range of its rows at a time, so a model never has to fit in memory.
import { open, type FileHandle } from "node:fs/promises";
import { dequantize } from "./codecs/index";
import { parseGgufHeader } from "./header-parser";
import { GgufError, blockLayout, type GgufHeader, type GgufMetadata, type GgufTensorInfo } from "./types";

export interface TensorChunk {
  /** First row (index along dims[1..] flattened) of this chunk. */
  rowStart: number;
  rowCount: number;
  bytes: Buffer;
}

export class GgufReader {
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    readonly header: GgufHeader,
  ) {}

  /** Opens and parses a GGUF file; throws a GgufError naming the file and the problem when it is not valid. */
  static async open(path: string): Promise<GgufReader> {
    let fh: FileHandle;
    try {
      fh = await open(path, "r");
    } catch (e) {
      throw new GgufError(`cannot open: ${(e as Error).message}`, path, { cause: e });
    }
    try {
      // A folder opens for reading on Linux and fails only at the first read, with no name in the error.
      if ((await fh.stat()).isDirectory()) throw new GgufError("is a folder, not a GGUF file", path);
      return new GgufReader(path, fh, await parseGgufHeader(fh, path));
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  get metadata(): GgufMetadata {
    return this.header.metadata;
  }

  get tensors(): GgufTensorInfo[] {
    return this.header.tensors;
  }

  tensor(name: string): GgufTensorInfo | undefined {
    return this.header.tensors.find((t) => t.name === name);
  }

  /** Like tensor(), but a missing tensor is an error that names it. */
  requireTensor(name: string): GgufTensorInfo {
    const t = this.tensor(name);
    if (!t) throw new GgufError(`has no tensor named ${name}`, this.path);
    return t;
  }

  /** Row length (dims[0]) and number of rows (the product of the other dims). */
  static rows(t: GgufTensorInfo): { rowLength: number; rowCount: number; rowBytes: number } {
    const rowLength = t.dims[0] ?? 1;
    const rowCount = t.dims.slice(1).reduce((a, b) => a * b, 1);
    const { blockSize, typeSize } = blockLayout(t.type);
    return { rowLength, rowCount, rowBytes: (rowLength / blockSize) * typeSize };
  }

  /** The raw bytes of rows [rowStart, rowStart + rowCount) of a tensor (all of it by default). */
  async readTensorBytes(t: GgufTensorInfo, rowStart = 0, rowCount?: number): Promise<Buffer> {
    const count = rowCount ?? GgufReader.rows(t).rowCount - rowStart;
    // Its own ArrayBuffer (never a slice of the shared pool, so callers may view .buffer whole); not zero-filled,
    // since every byte is read into it below or it is dropped with an error.
    const buf = Buffer.allocUnsafeSlow(Math.max(0, count) * GgufReader.rows(t).rowBytes);
    await this.readTensorBytesInto(t, rowStart, count, buf);
    return buf;
  }

  /** Reads rows [rowStart, rowStart + rowCount) of a tensor into the start of `target` (for callers that reuse
   * memory, such as the merge kernel's); returns the part of `target` filled. */
  async readTensorBytesInto(t: GgufTensorInfo, rowStart: number, rowCount: number, target: Uint8Array): Promise<Uint8Array> {
    if (this.closed) throw new GgufError("reader is closed", this.path);
    const rows = GgufReader.rows(t);
    if (rowStart < 0 || rowCount < 0 || rowStart + rowCount > rows.rowCount) {
      throw new GgufError(`rows ${rowStart}..${rowStart + rowCount} are outside tensor ${t.name} (${rows.rowCount} rows)`, this.path);
    }
    const length = rowCount * rows.rowBytes;
    if (target.byteLength < length) throw new RangeError(`a ${target.byteLength}-byte buffer cannot hold ${length} bytes of ${t.name}`);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(target, done, length - done, t.fileOffset + rowStart * rows.rowBytes + done);
      if (bytesRead === 0) throw new GgufError(`tensor ${t.name} is cut short (the file changed while it was read?)`, this.path);
      done += bytesRead;
    }
    return target.subarray(0, length);
  }

  /** Rows [rowStart, rowStart + rowCount) of a tensor decoded to floats. */
  async readTensorFloat32(t: GgufTensorInfo, rowStart = 0, rowCount?: number): Promise<Float32Array> {
    const bytes = await this.readTensorBytes(t, rowStart, rowCount);
    const rows = GgufReader.rows(t);
    const count = (bytes.length / rows.rowBytes) * rows.rowLength;
    try {
      return dequantize(t.type, bytes, count);
    } catch (e) {
      throw new GgufError(`tensor ${t.name}: ${(e as Error).message}`, this.path, { cause: e });
    }
  }

  /** The tensor's bytes in row-aligned chunks of at most about maxBytes (at least one row each). */
  async *readTensorChunks(t: GgufTensorInfo, maxBytes = 16 << 20): AsyncGenerator<TensorChunk> {
    const rows = GgufReader.rows(t);
    const perChunk = Math.max(1, Math.floor(maxBytes / rows.rowBytes));
    for (let rowStart = 0; rowStart < rows.rowCount; rowStart += perChunk) {
      const rowCount = Math.min(perChunk, rows.rowCount - rowStart);
      yield { rowStart, rowCount, bytes: await this.readTensorBytes(t, rowStart, rowCount) };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }
}

/** Parses only the header of a GGUF file (metadata and tensor infos) and closes it. */
export async function readGgufHeader(path: string): Promise<GgufHeader> {
  const r = await GgufReader.open(path);
  try {
    return r.header;
  } finally {
    await r.close();
  }
}
