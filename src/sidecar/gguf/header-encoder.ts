// Serializes a GGUF v3 header: magic, version, counts, metadata, tensor infos, padded to the alignment so the
// data section starts right after it. Values are checked against their declared types on the way out, so a bad
// edit (say a fractional uint32) fails here instead of producing a file llama.cpp misreads.
import { GGUF_MAGIC, GgufError, GgufValueType, alignUp, type GgufArray, type GgufMetadata, type GgufValue } from "./types";

export interface EncodedTensorInfo {
  name: string;
  dims: readonly number[];
  type: number;
  /** Relative to the data section. */
  offset: number;
}

const INT_RANGE: Partial<Record<GgufValueType, [number, number, number]>> = {
  // [bytes, min, max]
  [GgufValueType.UINT8]: [1, 0, 0xff],
  [GgufValueType.INT8]: [1, -0x80, 0x7f],
  [GgufValueType.UINT16]: [2, 0, 0xffff],
  [GgufValueType.INT16]: [2, -0x8000, 0x7fff],
  [GgufValueType.UINT32]: [4, 0, 0xffffffff],
  [GgufValueType.INT32]: [4, -0x80000000, 0x7fffffff],
};

/** Grows as needed; avoids computing sizes twice. */
class ByteSink {
  private buf = Buffer.alloc(1 << 16);
  length = 0;
  private room(n: number): number {
    if (this.length + n > this.buf.length) {
      const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    }
    const at = this.length;
    this.length += n;
    return at;
  }
  u8(v: number): void {
    const at = this.room(1);
    this.buf.writeUInt8(v, at);
  }
  i8(v: number): void {
    const at = this.room(1);
    this.buf.writeInt8(v, at);
  }
  u16(v: number): void {
    const at = this.room(2);
    this.buf.writeUInt16LE(v, at);
  }
  i16(v: number): void {
    const at = this.room(2);
    this.buf.writeInt16LE(v, at);
  }
  u32(v: number): void {
    const at = this.room(4);
    this.buf.writeUInt32LE(v, at);
  }
  i32(v: number): void {
    const at = this.room(4);
    this.buf.writeInt32LE(v, at);
  }
  f32(v: number): void {
    const at = this.room(4);
    this.buf.writeFloatLE(v, at);
  }
  f64(v: number): void {
    const at = this.room(8);
    this.buf.writeDoubleLE(v, at);
  }
  u64(v: bigint): void {
    const at = this.room(8);
    this.buf.writeBigUInt64LE(v, at);
  }
  i64(v: bigint): void {
    const at = this.room(8);
    this.buf.writeBigInt64LE(v, at);
  }
  /** A length, as a uint64 without going through a BigInt (a vocabulary has tens of thousands of them). */
  length64(v: number): void {
    const at = this.room(8);
    this.buf.writeUInt32LE(v % 2 ** 32, at);
    this.buf.writeUInt32LE(Math.floor(v / 2 ** 32), at + 4);
  }
  string(s: string): void {
    // Encoded in place after room for its length (UTF-8 takes at most 3 bytes per UTF-16 unit), with no
    // intermediate Buffer; the unused room is given back, still zero.
    const at = this.room(8 + 3 * s.length);
    const n = this.buf.write(s, at + 8, "utf8");
    this.length = at;
    this.length64(n);
    this.length += n;
  }
  padTo(alignment: number): void {
    this.room(alignUp(this.length, alignment) - this.length); // Buffer.alloc zero-fills
  }
  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** Thrown from a plain function rather than a closure made per call: arrays call writeScalar once per item. */
function badValue(type: GgufValueType, value: unknown, key: string): never {
  throw new GgufError(`metadata ${key}: ${String(value)} is not a valid ${GgufValueType[type] ?? `type ${type}`}`);
}

function writeScalar(out: ByteSink, type: GgufValueType, value: unknown, key: string): void {
  const range = INT_RANGE[type];
  if (range) {
    if (typeof value !== "number" || !Number.isInteger(value) || value < range[1] || value > range[2]) badValue(type, value, key);
  }
  switch (type) {
    case GgufValueType.UINT8:
      return out.u8(value as number);
    case GgufValueType.INT8:
      return out.i8(value as number);
    case GgufValueType.UINT16:
      return out.u16(value as number);
    case GgufValueType.INT16:
      return out.i16(value as number);
    case GgufValueType.UINT32:
      return out.u32(value as number);
    case GgufValueType.INT32:
      return out.i32(value as number);
    case GgufValueType.FLOAT32:
      return typeof value === "number" ? out.f32(value) : badValue(type, value, key);
    case GgufValueType.FLOAT64:
      return typeof value === "number" ? out.f64(value) : badValue(type, value, key);
    case GgufValueType.UINT64:
      return typeof value === "bigint" && value >= 0n && value < 1n << 64n ? out.u64(value) : badValue(type, value, key);
    case GgufValueType.INT64:
      return typeof value === "bigint" && value >= -(1n << 63n) && value < 1n << 63n ? out.i64(value) : badValue(type, value, key);
    case GgufValueType.BOOL:
      return typeof value === "boolean" ? out.u8(value ? 1 : 0) : badValue(type, value, key);
    case GgufValueType.STRING:
      return typeof value === "string" ? out.string(value) : badValue(type, value, key);
    default:
      badValue(type, value, key);
  }
}

function writeArray(out: ByteSink, v: GgufArray, key: string): void {
  out.u32(v.itemType);
  out.length64(v.value.length);
  if (v.itemType === GgufValueType.ARRAY) {
    (v.value as GgufArray[]).forEach((item, i) => writeArray(out, item, `${key}[${i}]`));
    return;
  }
  for (const item of v.value) writeScalar(out, v.itemType, item, key);
}

function writeValue(out: ByteSink, v: GgufValue, key: string): void {
  out.u32(v.type);
  if (v.type === GgufValueType.ARRAY) writeArray(out, v, key);
  else writeScalar(out, v.type, v.value, key);
}

/** The complete header, zero-padded to `alignment`: the data section starts at its length. */
export function encodeGgufHeader(metadata: GgufMetadata, tensors: readonly EncodedTensorInfo[], alignment: number): Buffer {
  const out = new ByteSink();
  out.u32(GGUF_MAGIC);
  out.u32(3);
  out.u64(BigInt(tensors.length));
  out.u64(BigInt(metadata.size));
  for (const [key, value] of metadata) {
    out.string(key);
    writeValue(out, value, key);
  }
  for (const t of tensors) {
    out.string(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(BigInt(d));
    out.u32(t.type);
    out.u64(BigInt(t.offset));
  }
  out.padTo(alignment);
  return out.result();
}
