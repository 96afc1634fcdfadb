// Writes a GGUF file tensor by tensor from an async source, so a merged model never has to be in memory at once.
// The file appears at `out` only when complete: it is written to `<out>.tmp-<pid>` and renamed; on any error or an
// abort the temp file is removed. It refuses to write over one of its own inputs.
import { realpathSync, statSync } from "node:fs";
import { open, rename, unlink, type FileHandle } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { encodeGgufHeader } from "./header-encoder";
import {
  GGUF_DEFAULT_ALIGNMENT,
  GgufError,
  GgufValueType,
  alignUp,
  elementCount,
  ggmlTypeName,
  isKnownGgmlType,
  tensorByteSize,
  type GgmlType,
  type GgufMetadata,
} from "./types";

export interface GgufTensorSpec {
  name: string;
  type: GgmlType;
  /** ggml order: dims[0] is the row length. */
  dims: number[];
}

/** A tensor's bytes: whole, or as chunks whose lengths add up to the tensor's size. */
export type TensorBytes = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

export interface WriteGgufOptions {
  out: string;
  metadata: GgufMetadata;
  tensors: readonly GgufTensorSpec[];
  /** Asked for each tensor in order, when the writer is ready for it. */
  data: (tensor: GgufTensorSpec, index: number) => TensorBytes | Promise<TensorBytes>;
  /** Files the data comes from: writing over any of them is refused. */
  inputs?: readonly string[];
  signal?: AbortSignal;
  onProgress?: (tensorsDone: number, tensorsTotal: number) => void;
  /** Checks the complete temp file before it is renamed to `out`; throwing removes it instead. */
  verify?: (tempPath: string) => Promise<void>;
}

export interface WriteGgufResult {
  path: string;
  bytes: number;
}

function alignmentOf(metadata: GgufMetadata): number {
  const v = metadata.get("general.alignment");
  if (!v) return GGUF_DEFAULT_ALIGNMENT;
  if (v.type !== GgufValueType.UINT32 || v.value === 0 || (v.value & (v.value - 1)) !== 0) {
    throw new GgufError("general.alignment must be a uint32 power of two");
  }
  return v.value;
}

function sameFile(a: string, b: string): boolean {
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false; // one of them does not exist: they cannot be the same file
  }
}

function checkNotAnInput(out: string, inputs: readonly string[]): void {
  for (const input of inputs) {
    if (resolve(out) === resolve(input) || sameFile(out, input)) {
      throw new GgufError(`refusing to write over the input ${input}; choose another output path`, out);
    }
  }
}

function layout(tensors: readonly GgufTensorSpec[], alignment: number): { offset: number; size: number }[] {
  const names = new Set<string>();
  let offset = 0;
  return tensors.map((t) => {
    if (names.has(t.name)) throw new GgufError(`two tensors are named ${t.name}`);
    names.add(t.name);
    if (!isKnownGgmlType(t.type)) throw new GgufError(`tensor ${t.name} has unknown ggml type ${String(t.type)}`);
    if (t.dims.length < 1 || t.dims.length > 4 || t.dims.some((d) => !Number.isSafeInteger(d) || d < 1)) {
      throw new GgufError(`tensor ${t.name} has invalid shape [${t.dims.join(", ")}]: 1 to 4 positive integer dimensions`);
    }
    let size: number;
    try {
      size = tensorByteSize(t.type, t.dims);
    } catch (e) {
      throw new GgufError(`tensor ${t.name}: ${(e as Error).message}`);
    }
    const at = { offset, size };
    offset = alignUp(offset + size, alignment);
    return at;
  });
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException("The GGUF write was cancelled", "AbortError");
}

async function writeAll(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}

function chunkIterator(src: TensorBytes): AsyncIterator<Uint8Array> | Iterator<Uint8Array> {
  if (src instanceof Uint8Array) return [src][Symbol.iterator]();
  if (Symbol.asyncIterator in src) return src[Symbol.asyncIterator]();
  return src[Symbol.iterator]();
}

/** Settles with `p`, or rejects as soon as the signal aborts: a source that never answers cannot hang a write. */
function abortable<T>(p: T | Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return Promise.resolve(p);
  if (signal.aborted) {
    // `p` is dropped: its own rejection (a source that stops on the same abort) must not go unhandled, which
    // would end the process before the caller removes its temp file.
    if (p instanceof Promise) p.catch(() => undefined);
    return Promise.reject(abortError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    Promise.resolve(p).then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Copies one tensor's chunks to the file; returns the bytes written, or -1 when the source gave too many. */
async function writeTensor(fh: FileHandle, src: TensorBytes, start: number, size: number, signal: AbortSignal | undefined): Promise<number> {
  const it = chunkIterator(src);
  let written = 0;
  let finished = false;
  try {
    for (;;) {
      const r = await abortable(it.next(), signal);
      if (r.done) {
        finished = true;
        return written;
      }
      if (written + r.value.length > size) return -1;
      await writeAll(fh, r.value, start + written);
      written += r.value.length;
    }
  } finally {
    // Let a generator source clean up; not awaited, since after an abort its pending next() may never settle.
    if (!finished) void Promise.resolve(it.return?.()).catch(() => undefined);
  }
}

export async function writeGguf(opts: WriteGgufOptions): Promise<WriteGgufResult> {
  const out = resolve(opts.out);
  checkNotAnInput(out, opts.inputs ?? []);
  try {
    realpathSync(dirname(out));
  } catch {
    throw new GgufError(`the folder ${dirname(out)} does not exist; create it first`, out);
  }
  const alignment = alignmentOf(opts.metadata);
  const places = layout(opts.tensors, alignment);
  const header = encodeGgufHeader(
    opts.metadata,
    opts.tensors.map((t, i) => ({ name: t.name, dims: t.dims, type: t.type, offset: places[i]!.offset })),
    alignment,
  );
  const tmp = `${out}.tmp-${process.pid}`;
  const fh = await open(tmp, "w");
  let closed = false;
  try {
    await writeAll(fh, header, 0);
    let end = header.length;
    for (let i = 0; i < opts.tensors.length; i++) {
      if (opts.signal?.aborted) throw abortError(opts.signal);
      const spec = opts.tensors[i]!;
      const { offset, size } = places[i]!;
      const start = header.length + offset;
      const written = await writeTensor(fh, await abortable(opts.data(spec, i), opts.signal), start, size, opts.signal);
      const tooMuch = written < 0;
      if (tooMuch || written !== size) {
        throw new GgufError(
          `tensor ${spec.name} (${ggmlTypeName(spec.type)} [${spec.dims.join(", ")}], ${elementCount(spec.dims)} values) needs exactly ${size} bytes, but its source gave ${tooMuch ? "more" : written}`,
          out,
        );
      }
      end = start + size;
      opts.onProgress?.(i + 1, opts.tensors.length);
    }
    // Padding after the last tensor keeps the file size a multiple of the alignment, as gguf-py does.
    const total = alignUp(end, alignment);
    if (total > end) await writeAll(fh, new Uint8Array(total - end), end);
    await fh.sync();
    await fh.close();
    closed = true;
    await opts.verify?.(tmp);
    await rename(tmp, out);
    return { path: out, bytes: total };
  } catch (e) {
    if (!closed) await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
