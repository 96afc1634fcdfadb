// Parses a GGUF header (magic, version, metadata, tensor infos) from a file handle, reading it in chunks so that a
// multi-gigabyte model costs only as much memory as its header. Every count, length and type is checked against
// the file before it is trusted: a corrupt or hostile file gets a GgufError naming the problem, never a hang or a
// giant allocation.
import type { FileHandle } from "node:fs/promises";
import {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GgufError,
  GgufValueType,
  alignUp,
  blockLayout,
  elementCount,
  ggmlTypeName,
  isKnownGgmlType,
  type GgufArray,
  type GgufHeader,
  type GgufMetadata,
  type GgufTensorInfo,
  type GgufValue,
} from "./types";

const CHUNK = 1 << 20;
const MAX_DIMS = 4; // GGML_MAX_DIMS
const SCALAR_SIZE: Partial<Record<GgufValueType, number>> = {
  [GgufValueType.UINT8]: 1,
  [GgufValueType.INT8]: 1,
  [GgufValueType.BOOL]: 1,
  [GgufValueType.UINT16]: 2,
  [GgufValueType.INT16]: 2,
  [GgufValueType.UINT32]: 4,
  [GgufValueType.INT32]: 4,
  [GgufValueType.FLOAT32]: 4,
  [GgufValueType.UINT64]: 8,
  [GgufValueType.INT64]: 8,
  [GgufValueType.FLOAT64]: 8,
};
const utf8 = new TextDecoder("utf-8", { fatal: false });

/** A read window over the file: `has` is synchronous so that the common case (data already buffered) costs no await. */
class Cursor {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  pos = 0;
  constructor(
    private readonly fh: FileHandle,
    readonly fileSize: number,
    private readonly file: string,
  ) {}

  has(n: number): boolean {
    return this.pos + n <= this.bufStart + this.buf.length;
  }

  async fill(n: number, what: string): Promise<void> {
    if (this.pos + n > this.fileSize) {
      throw new GgufError(`file is truncated: ${what} at byte ${this.pos} needs ${n} bytes but the file has ${this.fileSize} bytes`, this.file);
    }
    const size = Math.min(Math.max(n, CHUNK), this.fileSize - this.pos);
    const buf = Buffer.allocUnsafe(size);
    const { bytesRead } = await this.fh.read(buf, 0, size, this.pos);
    if (bytesRead < n) throw new GgufError(`could read only ${bytesRead} of ${n} bytes at byte ${this.pos} (${what})`, this.file);
    this.buf = buf.subarray(0, bytesRead);
    this.bufStart = this.pos;
  }

  async need(n: number, what: string): Promise<void> {
    if (!this.has(n)) await this.fill(n, what);
  }

  private at(n: number): number {
    const i = this.pos - this.bufStart;
    this.pos += n;
    return i;
  }
  u8(): number {
    return this.buf.readUInt8(this.at(1));
  }
  i8(): number {
    return this.buf.readInt8(this.at(1));
  }
  u16(): number {
    return this.buf.readUInt16LE(this.at(2));
  }
  i16(): number {
    return this.buf.readInt16LE(this.at(2));
  }
  u32(): number {
    return this.buf.readUInt32LE(this.at(4));
  }
  i32(): number {
    return this.buf.readInt32LE(this.at(4));
  }
  f32(): number {
    return this.buf.readFloatLE(this.at(4));
  }
  f64(): number {
    return this.buf.readDoubleLE(this.at(8));
  }
  u64(): bigint {
    return this.buf.readBigUInt64LE(this.at(8));
  }
  i64(): bigint {
    return this.buf.readBigInt64LE(this.at(8));
  }
  text(n: number): string {
    const i = this.at(n);
    return utf8.decode(this.buf.subarray(i, i + n));
  }

  /**
   * A length-prefixed string when it is wholly in the window (the common case), read with no await: a vocabulary
   * is tens of thousands of strings, and an await each made opening a model take tens of milliseconds.
   * Otherwise undefined, with nothing consumed, for readString to check and read it.
   */
  bufferedString(): string | undefined {
    if (!this.has(8)) return undefined;
    const i = this.pos - this.bufStart;
    const len = this.buf.readBigUInt64LE(i);
    if (len > BigInt(this.bufStart + this.buf.length - this.pos - 8)) return undefined;
    this.pos += 8;
    return this.text(Number(len));
  }

  get remaining(): number {
    return this.fileSize - this.pos;
  }
}

export async function parseGgufHeader(fh: FileHandle, file: string): Promise<GgufHeader> {
  const { size: fileSize } = await fh.stat();
  const c = new Cursor(fh, fileSize, file);
  await c.need(24, "the header (magic, version, counts)");
  const magic = c.u32();
  if (magic !== GGUF_MAGIC) {
    throw new GgufError(`not a GGUF file (the first 4 bytes are 0x${magic.toString(16).padStart(8, "0")}, expected "GGUF")`, file);
  }
  const version = c.u32();
  if (version === 0x02000000 || version === 0x03000000) {
    throw new GgufError("is a big-endian GGUF file; Chorus and llama.cpp on this machine read little-endian GGUF only", file);
  }
  if (version !== 2 && version !== 3) {
    throw new GgufError(`unsupported GGUF version ${version} (Chorus reads versions 2 and 3; re-convert the model with a current llama.cpp)`, file);
  }
  // Lower bounds on the bytes each entry needs let an absurd count fail now instead of after a long parse.
  const tensorCount = safeCount(c.u64(), "tensor count", 32, fileSize, file);
  const kvCount = safeCount(c.u64(), "metadata entry count", 13, fileSize, file);

  const metadata: GgufMetadata = new Map();
  for (let i = 0; i < kvCount; i++) {
    const key = await readString(c, `the key of metadata entry ${i}`, file);
    if (metadata.has(key)) throw new GgufError(`metadata key ${key} appears twice`, file);
    await c.need(4, `the type of metadata ${key}`);
    const type = c.u32();
    metadata.set(key, await readValue(c, type, key, file, 0));
  }

  const alignment = readAlignment(metadata, file);
  const infos: Omit<GgufTensorInfo, "fileOffset">[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) infos.push(await readTensorInfo(c, i, names, alignment, file));

  const dataOffset = alignUp(c.pos, alignment);
  const tensors = infos.map((t) => ({ ...t, fileOffset: dataOffset + t.offset }));
  checkTensorBounds(tensors, fileSize, file);
  return { version, metadata, tensors, alignment, dataOffset, fileSize };
}

function safeCount(v: bigint, what: string, minBytesEach: number, fileSize: number, file: string): number {
  if (v * BigInt(minBytesEach) > BigInt(fileSize)) {
    throw new GgufError(`the header claims ${v} for the ${what}, which cannot fit in a ${fileSize}-byte file (truncated or corrupt header?)`, file);
  }
  return Number(v);
}

async function readString(c: Cursor, what: string, file: string): Promise<string> {
  await c.need(8, what);
  const len = c.u64();
  if (len > BigInt(c.remaining)) {
    throw new GgufError(`${what} claims a length of ${len} bytes at byte ${c.pos - 8}, past the end of the file (corrupt or truncated?)`, file);
  }
  const n = Number(len);
  await c.need(n, what);
  return c.text(n);
}

async function readValue(c: Cursor, type: number, key: string, file: string, depth: number): Promise<GgufValue> {
  if (type === GgufValueType.STRING) return { type, value: await readString(c, `the value of ${key}`, file) };
  if (type === GgufValueType.ARRAY) return readArray(c, key, file, depth);
  const size = SCALAR_SIZE[type as GgufValueType];
  if (size === undefined) throw new GgufError(`metadata ${key} has unknown value type ${type}`, file);
  await c.need(size, `the value of ${key}`);
  return readScalar(c, type as GgufValueType);
}

/** How to read one item of a scalar array (read without a switch or an object per item: vocabularies are long). */
function scalarReader(type: GgufValueType): (c: Cursor) => number | bigint | boolean {
  switch (type) {
    case GgufValueType.UINT8:
      return (c) => c.u8();
    case GgufValueType.INT8:
      return (c) => c.i8();
    case GgufValueType.UINT16:
      return (c) => c.u16();
    case GgufValueType.INT16:
      return (c) => c.i16();
    case GgufValueType.UINT32:
      return (c) => c.u32();
    case GgufValueType.INT32:
      return (c) => c.i32();
    case GgufValueType.FLOAT32:
      return (c) => c.f32();
    case GgufValueType.FLOAT64:
      return (c) => c.f64();
    case GgufValueType.UINT64:
      return (c) => c.u64();
    case GgufValueType.INT64:
      return (c) => c.i64();
    case GgufValueType.BOOL:
      return (c) => c.u8() !== 0;
    default:
      throw new Error(`scalarReader: not a scalar type ${type}`);
  }
}

function readScalar(c: Cursor, type: GgufValueType): GgufValue {
  switch (type) {
    case GgufValueType.UINT8:
      return { type, value: c.u8() };
    case GgufValueType.INT8:
      return { type, value: c.i8() };
    case GgufValueType.UINT16:
      return { type, value: c.u16() };
    case GgufValueType.INT16:
      return { type, value: c.i16() };
    case GgufValueType.UINT32:
      return { type, value: c.u32() };
    case GgufValueType.INT32:
      return { type, value: c.i32() };
    case GgufValueType.FLOAT32:
      return { type, value: c.f32() };
    case GgufValueType.FLOAT64:
      return { type, value: c.f64() };
    case GgufValueType.UINT64:
      return { type, value: c.u64() };
    case GgufValueType.INT64:
      return { type, value: c.i64() };
    case GgufValueType.BOOL:
      return { type, value: c.u8() !== 0 };
    default:
      throw new Error(`readScalar: not a scalar type ${type}`);
  }
}

async function readArray(c: Cursor, key: string, file: string, depth: number): Promise<GgufArray> {
  if (depth > 8) throw new GgufError(`metadata ${key} nests arrays more than 8 deep`, file);
  await c.need(12, `the array header of ${key}`);
  const itemType = c.u32();
  const len = c.u64();
  const minItem = itemType === GgufValueType.STRING || itemType === GgufValueType.ARRAY ? 8 : (SCALAR_SIZE[itemType as GgufValueType] ?? 1);
  if (len * BigInt(minItem) > BigInt(c.remaining)) {
    throw new GgufError(`metadata ${key} claims ${len} array items, more than the rest of the file can hold (corrupt?)`, file);
  }
  const n = Number(len);
  if (itemType === GgufValueType.STRING) {
    const value: string[] = new Array<string>(n);
    for (let i = 0; i < n; i++) value[i] = c.bufferedString() ?? (await readString(c, `item ${i} of ${key}`, file));
    return { type: GgufValueType.ARRAY, itemType, value };
  }
  if (itemType === GgufValueType.ARRAY) {
    const value: GgufArray[] = [];
    for (let i = 0; i < n; i++) value.push(await readArray(c, `${key}[${i}]`, file, depth + 1));
    return { type: GgufValueType.ARRAY, itemType, value };
  }
  const size = SCALAR_SIZE[itemType as GgufValueType];
  if (size === undefined) throw new GgufError(`metadata ${key} is an array of unknown value type ${itemType}`, file);
  const items: (number | bigint | boolean)[] = new Array<number | bigint | boolean>(n);
  const read = scalarReader(itemType as GgufValueType);
  for (let i = 0; i < n; i++) {
    if (!c.has(size)) await c.fill(size, `item ${i} of ${key}`);
    items[i] = read(c);
  }
  return { type: GgufValueType.ARRAY, itemType, value: items } as GgufArray;
}

function readAlignment(metadata: GgufMetadata, file: string): number {
  const v = metadata.get("general.alignment");
  if (!v) return GGUF_DEFAULT_ALIGNMENT;
  if (v.type !== GgufValueType.UINT32) throw new GgufError(`general.alignment must be a uint32, found type ${GgufValueType[v.type]}`, file);
  if (v.value === 0 || (v.value & (v.value - 1)) !== 0) throw new GgufError(`general.alignment must be a power of two, found ${v.value}`, file);
  return v.value;
}

async function readTensorInfo(c: Cursor, index: number, names: Set<string>, alignment: number, file: string): Promise<Omit<GgufTensorInfo, "fileOffset">> {
  const name = await readString(c, `the name of tensor ${index}`, file);
  if (names.has(name)) throw new GgufError(`tensor ${name} appears twice`, file);
  names.add(name);
  await c.need(4, `the dimension count of tensor ${name}`);
  const nDims = c.u32();
  if (nDims < 1 || nDims > MAX_DIMS) throw new GgufError(`tensor ${name} has ${nDims} dimensions; ggml allows 1 to ${MAX_DIMS}`, file);
  await c.need(nDims * 8 + 12, `the shape, type and offset of tensor ${name}`);
  const dims: number[] = [];
  for (let d = 0; d < nDims; d++) {
    const v = c.u64();
    if (v === 0n || v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new GgufError(`tensor ${name} has dimension ${d} = ${v}; every dimension must be at least 1`, file);
    dims.push(Number(v));
  }
  const type = c.u32();
  if (!isKnownGgmlType(type)) throw new GgufError(`tensor ${name} has unknown ggml type ${type}`, file);
  const offset64 = c.u64();
  if (offset64 > BigInt(c.fileSize))
    throw new GgufError(`tensor ${name} starts at data offset ${offset64}, past the end of the file (truncated or corrupt?)`, file);
  const offset = Number(offset64);
  if (offset % alignment !== 0) throw new GgufError(`tensor ${name} has offset ${offset}, not a multiple of the alignment ${alignment}`, file);
  const { blockSize, typeSize } = blockLayout(type);
  const rowLength = dims[0] ?? 1;
  if (rowLength % blockSize !== 0) {
    throw new GgufError(`tensor ${name} is ${ggmlTypeName(type)} with row length ${rowLength}, not a multiple of its block size ${blockSize}`, file);
  }
  const count = elementCount(dims);
  if (!Number.isSafeInteger(count)) throw new GgufError(`tensor ${name} has an impossible shape [${dims.join(", ")}]`, file);
  return { name, dims, type, offset, byteSize: (count / blockSize) * typeSize };
}

function checkTensorBounds(tensors: GgufTensorInfo[], fileSize: number, file: string): void {
  for (const t of tensors) {
    if (t.fileOffset + t.byteSize > fileSize) {
      throw new GgufError(
        `tensor ${t.name} (${t.byteSize} bytes at byte ${t.fileOffset}) runs past the end of the file (${fileSize} bytes); the file is truncated or corrupt`,
        file,
      );
    }
  }
  const sorted = [...tensors].sort((a, b) => a.fileOffset - b.fileOffset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (prev.fileOffset + prev.byteSize > cur.fileOffset) throw new GgufError(`tensors ${prev.name} and ${cur.name} overlap`, file);
  }
}
