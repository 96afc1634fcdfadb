// One entry point for turning tensor bytes into floats and back, by ggml type.
import { GgmlType, GgufError, blockLayout, ggmlTypeName } from "../types";
import { dequantizeBF16, dequantizeF16, dequantizeF32, quantizeBF16, quantizeF16, quantizeF32 } from "./float";
import { quantizeQ4_K, quantizeQ5_K, quantizeQ6_K } from "./kquant-encode";
import { dequantizeQ4_K, dequantizeQ5_K, dequantizeQ6_K } from "./kquants";
import { dequantizeQ4_0, dequantizeQ4_1, dequantizeQ5_0, dequantizeQ5_1 } from "./legacy";
import { quantizeQ4_0, quantizeQ4_1, quantizeQ5_0, quantizeQ5_1 } from "./legacy-encode";
import { dequantizeIQ4_NL, dequantizeIQ4_XS, dequantizeMXFP4, dequantizeQ2_K, dequantizeQ3_K } from "./more-quants";
import { dequantizeQ8_0, quantizeQ8_0 } from "./q8_0";

type Decoder = (bytes: Uint8Array, count: number) => Float32Array;
type Encoder = (values: Float32Array) => Uint8Array;

const DECODERS: Partial<Record<GgmlType, Decoder>> = {
  [GgmlType.F32]: dequantizeF32,
  [GgmlType.F16]: dequantizeF16,
  [GgmlType.BF16]: dequantizeBF16,
  [GgmlType.Q8_0]: dequantizeQ8_0,
  [GgmlType.Q4_0]: dequantizeQ4_0,
  [GgmlType.Q4_1]: dequantizeQ4_1,
  [GgmlType.Q5_0]: dequantizeQ5_0,
  [GgmlType.Q5_1]: dequantizeQ5_1,
  [GgmlType.Q4_K]: dequantizeQ4_K,
  [GgmlType.Q5_K]: dequantizeQ5_K,
  [GgmlType.Q6_K]: dequantizeQ6_K,
  [GgmlType.Q2_K]: dequantizeQ2_K,
  [GgmlType.Q3_K]: dequantizeQ3_K,
  [GgmlType.IQ4_NL]: dequantizeIQ4_NL,
  [GgmlType.IQ4_XS]: dequantizeIQ4_XS,
  [GgmlType.MXFP4]: dequantizeMXFP4,
};

const ENCODERS: Partial<Record<GgmlType, Encoder>> = {
  [GgmlType.F32]: quantizeF32,
  [GgmlType.F16]: quantizeF16,
  [GgmlType.BF16]: quantizeBF16,
  [GgmlType.Q8_0]: quantizeQ8_0,
  [GgmlType.Q4_0]: quantizeQ4_0,
  [GgmlType.Q4_1]: quantizeQ4_1,
  [GgmlType.Q5_0]: quantizeQ5_0,
  [GgmlType.Q5_1]: quantizeQ5_1,
  [GgmlType.Q4_K]: quantizeQ4_K,
  [GgmlType.Q5_K]: quantizeQ5_K,
  [GgmlType.Q6_K]: quantizeQ6_K,
};

export const READABLE_TYPES: readonly GgmlType[] = Object.keys(DECODERS).map(Number);
export const WRITABLE_TYPES: readonly GgmlType[] = Object.keys(ENCODERS).map(Number);

export function canDequantize(type: GgmlType): boolean {
  return DECODERS[type] !== undefined;
}

export function canQuantize(type: GgmlType): boolean {
  return ENCODERS[type] !== undefined;
}

function names(types: readonly GgmlType[]): string {
  return types.map(ggmlTypeName).join(", ");
}

/** Decodes `count` values (a whole number of blocks) from `bytes`. */
export function dequantize(type: GgmlType, bytes: Uint8Array, count: number): Float32Array {
  const decode = DECODERS[type];
  if (!decode) throw new GgufError(`Chorus cannot decode ${ggmlTypeName(type)} tensors; it reads ${names(READABLE_TYPES)}`);
  const { blockSize, typeSize } = blockLayout(type);
  if (count % blockSize !== 0) throw new GgufError(`${ggmlTypeName(type)} decodes whole blocks of ${blockSize} values, asked for ${count}`);
  const need = (count / blockSize) * typeSize;
  if (bytes.length < need) throw new GgufError(`${count} ${ggmlTypeName(type)} values need ${need} bytes, got ${bytes.length}`);
  return decode(bytes, count);
}

/** Encodes values (a whole number of blocks) as `type`. */
export function quantize(type: GgmlType, values: Float32Array): Uint8Array {
  const encode = ENCODERS[type];
  if (!encode) throw new GgufError(`Chorus cannot write ${ggmlTypeName(type)} tensors; choose one of ${names(WRITABLE_TYPES)}`);
  const { blockSize } = blockLayout(type);
  if (values.length % blockSize !== 0) {
    throw new GgufError(
      `${ggmlTypeName(type)} encodes whole blocks of ${blockSize} values; ${values.length} is not a multiple (the tensor's row length must be)`,
    );
  }
  return encode(values);
}
