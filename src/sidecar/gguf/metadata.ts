// Building and reading GGUF metadata values without spelling out the type codes at every call site.
import { GgufError, GgufValueType, type GgufArray, type GgufMetadata, type GgufValue } from "./types";

export const meta = {
  u8: (value: number): GgufValue => ({ type: GgufValueType.UINT8, value }),
  i8: (value: number): GgufValue => ({ type: GgufValueType.INT8, value }),
  u16: (value: number): GgufValue => ({ type: GgufValueType.UINT16, value }),
  i16: (value: number): GgufValue => ({ type: GgufValueType.INT16, value }),
  u32: (value: number): GgufValue => ({ type: GgufValueType.UINT32, value }),
  i32: (value: number): GgufValue => ({ type: GgufValueType.INT32, value }),
  f32: (value: number): GgufValue => ({ type: GgufValueType.FLOAT32, value }),
  f64: (value: number): GgufValue => ({ type: GgufValueType.FLOAT64, value }),
  u64: (value: bigint | number): GgufValue => ({ type: GgufValueType.UINT64, value: BigInt(value) }),
  i64: (value: bigint | number): GgufValue => ({ type: GgufValueType.INT64, value: BigInt(value) }),
  bool: (value: boolean): GgufValue => ({ type: GgufValueType.BOOL, value }),
  str: (value: string): GgufValue => ({ type: GgufValueType.STRING, value }),
  strings: (value: string[]): GgufArray => ({ type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value }),
  i32s: (value: number[]): GgufArray => ({ type: GgufValueType.ARRAY, itemType: GgufValueType.INT32, value }),
  f32s: (value: number[]): GgufArray => ({ type: GgufValueType.ARRAY, itemType: GgufValueType.FLOAT32, value }),
};

/** A numeric metadata value (any integer or float type; 64-bit ones must fit a JS number), or undefined. */
export function getNumber(metadata: GgufMetadata, key: string): number | undefined {
  const v = metadata.get(key);
  if (!v) return undefined;
  if (v.type !== GgufValueType.ARRAY && typeof v.value === "number") return v.value;
  if (typeof v.value === "bigint") {
    if (v.value > BigInt(Number.MAX_SAFE_INTEGER) || v.value < -BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new GgufError(`metadata ${key} = ${v.value} is too large to use as a number`);
    }
    return Number(v.value);
  }
  return undefined;
}

export function getString(metadata: GgufMetadata, key: string): string | undefined {
  const v = metadata.get(key);
  return v?.type === GgufValueType.STRING ? v.value : undefined;
}

export function getBool(metadata: GgufMetadata, key: string): boolean | undefined {
  const v = metadata.get(key);
  return v?.type === GgufValueType.BOOL ? v.value : undefined;
}

export function getArray(metadata: GgufMetadata, key: string): GgufArray | undefined {
  const v = metadata.get(key);
  return v?.type === GgufValueType.ARRAY ? v : undefined;
}

/** Short human description of a value for error messages and `chorus` output (arrays by length only). */
export function describeValue(v: GgufValue): string {
  if (v.type === GgufValueType.ARRAY) return `array of ${v.value.length} ${GgufValueType[v.itemType]}`;
  if (v.type === GgufValueType.STRING) return JSON.stringify(v.value.length > 60 ? `${v.value.slice(0, 57)}...` : v.value);
  return String(v.value);
}
