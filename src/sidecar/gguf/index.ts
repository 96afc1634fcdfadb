// Public surface of Chorus's GGUF I/O: import from here rather than from the individual files.
export * from "./types";
export { meta, getArray, getBool, getNumber, getString, describeValue } from "./metadata";
export { GgufReader, readGgufHeader, type TensorChunk } from "./reader";
export { writeGguf, type GgufTensorSpec, type TensorBytes, type WriteGgufOptions, type WriteGgufResult } from "./writer";
export { copyGguf, type CopyGgufOptions } from "./copy";
export { dequantize, quantize, canDequantize, canQuantize, READABLE_TYPES, WRITABLE_TYPES } from "./codecs/index";
export { f16BitsToF32, f32ToF16Bits, bf16BitsToF32, f32ToBf16Bits } from "./codecs/half";
export { findLlamaProblems, problemsInHeader, validateForLlama, type LlamaHyperparameters } from "./validate";
