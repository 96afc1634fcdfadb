// The GGUF file format's vocabulary: metadata value types, ggml tensor types with their block layouts, and the
// shapes of a parsed file. Numbers are the on-disk codes of the GGUF spec and ggml.h; they must never change.

import { safeMessage } from "../../core/quote";

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
export const GGUF_DEFAULT_ALIGNMENT = 32;

export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

export type GgufNumberType =
  | GgufValueType.UINT8
  | GgufValueType.INT8
  | GgufValueType.UINT16
  | GgufValueType.INT16
  | GgufValueType.UINT32
  | GgufValueType.INT32
  | GgufValueType.FLOAT32
  | GgufValueType.FLOAT64;
export type GgufBigIntType = GgufValueType.UINT64 | GgufValueType.INT64;
export type GgufScalarType = GgufNumberType | GgufBigIntType | GgufValueType.BOOL | GgufValueType.STRING;

/** One metadata value. 64-bit integers are bigints so that nothing is rounded on a read/write round trip. */
export type GgufScalar =
  | { type: GgufNumberType; value: number }
  | { type: GgufBigIntType; value: bigint }
  | { type: GgufValueType.BOOL; value: boolean }
  | { type: GgufValueType.STRING; value: string };

export type GgufArray =
  | { type: GgufValueType.ARRAY; itemType: GgufNumberType; value: number[] }
  | { type: GgufValueType.ARRAY; itemType: GgufBigIntType; value: bigint[] }
  | { type: GgufValueType.ARRAY; itemType: GgufValueType.BOOL; value: boolean[] }
  | { type: GgufValueType.ARRAY; itemType: GgufValueType.STRING; value: string[] }
  // Arrays of arrays are legal in the spec (rare in practice); each item keeps its own item type.
  | { type: GgufValueType.ARRAY; itemType: GgufValueType.ARRAY; value: GgufArray[] };

export type GgufValue = GgufScalar | GgufArray;

/** Metadata in file order (a Map keeps insertion order, so a rewrite keeps the original key order). */
export type GgufMetadata = Map<string, GgufValue>;

export enum GgmlType {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
}

/** Weights per block and bytes per block, from ggml's type traits. Needed to size and bound-check every tensor,
 * including types Chorus cannot decode. */
const BLOCK_LAYOUT: Readonly<Record<GgmlType, readonly [blockSize: number, typeSize: number]>> = {
  [GgmlType.F32]: [1, 4],
  [GgmlType.F16]: [1, 2],
  [GgmlType.Q4_0]: [32, 18],
  [GgmlType.Q4_1]: [32, 20],
  [GgmlType.Q5_0]: [32, 22],
  [GgmlType.Q5_1]: [32, 24],
  [GgmlType.Q8_0]: [32, 34],
  [GgmlType.Q8_1]: [32, 36],
  [GgmlType.Q2_K]: [256, 84],
  [GgmlType.Q3_K]: [256, 110],
  [GgmlType.Q4_K]: [256, 144],
  [GgmlType.Q5_K]: [256, 176],
  [GgmlType.Q6_K]: [256, 210],
  [GgmlType.Q8_K]: [256, 292],
  [GgmlType.IQ2_XXS]: [256, 66],
  [GgmlType.IQ2_XS]: [256, 74],
  [GgmlType.IQ3_XXS]: [256, 98],
  [GgmlType.IQ1_S]: [256, 50],
  [GgmlType.IQ4_NL]: [32, 18],
  [GgmlType.IQ3_S]: [256, 110],
  [GgmlType.IQ2_S]: [256, 82],
  [GgmlType.IQ4_XS]: [256, 136],
  [GgmlType.I8]: [1, 1],
  [GgmlType.I16]: [1, 2],
  [GgmlType.I32]: [1, 4],
  [GgmlType.I64]: [1, 8],
  [GgmlType.F64]: [1, 8],
  [GgmlType.IQ1_M]: [256, 56],
  [GgmlType.BF16]: [1, 2],
  [GgmlType.TQ1_0]: [256, 54],
  [GgmlType.TQ2_0]: [256, 66],
  [GgmlType.MXFP4]: [32, 17],
};

export function isKnownGgmlType(code: number): code is GgmlType {
  return Object.prototype.hasOwnProperty.call(BLOCK_LAYOUT, code);
}

export function ggmlTypeName(type: GgmlType | number): string {
  return (GgmlType as unknown as Record<number, string | undefined>)[type] ?? `unknown type ${type}`;
}

/** Parses "q8_0", "Q8_0", "f16" … into a GgmlType; undefined when there is no such type. */
export function parseGgmlType(name: string): GgmlType | undefined {
  const v = (GgmlType as unknown as Record<string, number | undefined>)[name.toUpperCase()];
  return typeof v === "number" ? (v as GgmlType) : undefined;
}

export function blockLayout(type: GgmlType): { blockSize: number; typeSize: number } {
  const [blockSize, typeSize] = BLOCK_LAYOUT[type];
  return { blockSize, typeSize };
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Bytes of a tensor of this type and shape; the row length (dims[0]) must be a whole number of blocks. */
export function tensorByteSize(type: GgmlType, dims: readonly number[]): number {
  const { blockSize, typeSize } = blockLayout(type);
  const rowLength = dims[0] ?? 1;
  if (rowLength % blockSize !== 0) {
    throw new GgufError(`a ${ggmlTypeName(type)} tensor needs a row length (first dimension) that is a multiple of ${blockSize}, got ${rowLength}`);
  }
  return (elementCount(dims) / blockSize) * typeSize;
}

export function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

export interface GgufTensorInfo {
  name: string;
  /** ggml order: dims[0] (ne0) is the row length, the contiguous one. */
  dims: number[];
  type: GgmlType;
  /** Relative to the start of the data section, as stored in the file. */
  offset: number;
  /** Absolute position in the file. */
  fileOffset: number;
  byteSize: number;
}

export interface GgufHeader {
  version: number;
  metadata: GgufMetadata;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Absolute file position where the tensor data section begins. */
  dataOffset: number;
  fileSize: number;
}

export class GgufError extends Error {
  override readonly name = "GgufError";
  constructor(
    message: string,
    readonly file?: string,
    options?: { cause?: unknown },
  ) {
    // Keys and tensor names come from the file: escaped and capped (a 100 KB name, an ESC sequence).
    super(safeMessage(file ? `${file}: ${message}` : message), options);
  }
}
