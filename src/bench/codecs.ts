// `chorus bench codecs`: decode and encode throughput of every GGUF tensor codec, in millions of values per
// second and MB/s of encoded bytes (best of several runs, one thread). K-quant and legacy blocks are random bytes
// with sane fp16 scales; only speed is measured here, correctness lives in test/unit/gguf.
import { dequantize, quantize, READABLE_TYPES, WRITABLE_TYPES } from "../sidecar/gguf/codecs/index";
import { f32ToF16Bits } from "../sidecar/gguf/codecs/half";
import { GgmlType, blockLayout, ggmlTypeName } from "../sidecar/gguf/types";

/** Throughput per second of CPU time (the machine may be shared: wall-clock figures are given too). */
export interface CodecFigures {
  decode_mvalues_per_s: number;
  decode_mb_per_s: number;
  decode_mvalues_per_wall_s: number;
  encode_mvalues_per_s?: number;
  encode_mb_per_s?: number;
  encode_mvalues_per_wall_s?: number;
}

function randomFloats(n: number): Float32Array {
  const out = new Float32Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) | 0;
    out[i] = (x / 2147483648) * 3;
  }
  return out;
}

/** Random block bytes whose fp16 scale fields hold small finite values (so decoding does real arithmetic). */
function randomBlocks(type: GgmlType, values: number): Uint8Array {
  const { blockSize, typeSize } = blockLayout(type);
  const blocks = values / blockSize;
  const bytes = new Uint8Array(blocks * typeSize);
  let x = 777;
  for (let i = 0; i < bytes.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    bytes[i] = (x >>> 16) & 0xff;
  }
  const scale = f32ToF16Bits(0.01);
  // Where each format keeps its fp16 scales: d (and dmin) at the start, except Q6_K's d at the end.
  const scaleOffsets = type === GgmlType.Q6_K ? [208] : [GgmlType.Q4_1, GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K].includes(type) ? [0, 2] : [0];
  for (let b = 0; b < blocks; b++) {
    for (const o of scaleOffsets) {
      bytes[b * typeSize + o] = scale & 0xff;
      bytes[b * typeSize + o + 1] = scale >>> 8;
    }
  }
  return bytes;
}

/** Fastest of `repeats` runs, in CPU milliseconds (user + system) and wall-clock milliseconds. */
function best(repeats: number, run: () => void): { cpu: number; wall: number } {
  let cpu = Infinity;
  let wall = Infinity;
  for (let r = 0; r < repeats; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    run();
    wall = Math.min(wall, performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1000);
  }
  return { cpu: Math.max(cpu, 1e-3), wall };
}

export function benchCodecs(opts: { values?: number; repeats?: number } = {}): Record<string, CodecFigures> {
  const n = opts.values ?? 1 << 22;
  const repeats = opts.repeats ?? 3;
  const floats = randomFloats(n);
  const result: Record<string, CodecFigures> = {};
  for (const type of READABLE_TYPES) {
    const encoded = WRITABLE_TYPES.includes(type) ? quantize(type, floats) : randomBlocks(type, n);
    const dec = best(repeats, () => dequantize(type, encoded, n));
    const figures: CodecFigures = {
      decode_mvalues_per_s: round(n / dec.cpu / 1e3),
      decode_mb_per_s: round(encoded.length / dec.cpu / 1e3),
      decode_mvalues_per_wall_s: round(n / dec.wall / 1e3),
    };
    if (WRITABLE_TYPES.includes(type)) {
      const enc = best(repeats, () => quantize(type, floats));
      figures.encode_mvalues_per_s = round(n / enc.cpu / 1e3);
      figures.encode_mb_per_s = round(encoded.length / enc.cpu / 1e3);
      figures.encode_mvalues_per_wall_s = round(n / enc.wall / 1e3);
    }
    result[ggmlTypeName(type).toLowerCase()] = figures;
  }
  return result;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
