// Test-side encoders that pack chosen integer quants, scales and mins into ggml block layouts, written from the
// layout descriptions in ggml-common.h (not from Chorus's decoders), plus the values those blocks must decode to.
import { f16BitsToF32, f32ToF16Bits } from "../../../src/sidecar/gguf/codecs/half";

/** A deterministic integer source in [0, n). */
export function ints(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return Math.floor(((a >>> 8) / 16777216) * n);
  };
}

function putHalf(out: Uint8Array, at: number, value: number): number {
  const h = f32ToF16Bits(value);
  out[at] = h & 0xff;
  out[at + 1] = h >>> 8;
  return f16BitsToF32(h);
}

export interface Built {
  bytes: Uint8Array;
  values: Float32Array;
}

/** Q4_0 / Q4_1 / Q5_0 / Q5_1: one 32-weight block. */
export function buildLegacy(kind: "q4_0" | "q4_1" | "q5_0" | "q5_1", rnd: (n: number) => number): Built {
  const bits = kind.startsWith("q5") ? 5 : 4;
  const hasMin = kind.endsWith("_1");
  const size = 2 + (hasMin ? 2 : 0) + (bits === 5 ? 4 : 0) + 16;
  const bytes = new Uint8Array(size);
  const d = putHalf(bytes, 0, (1 + rnd(100)) / 256);
  const m = hasMin ? putHalf(bytes, 2, -(rnd(100) / 64)) : 0;
  const q = Array.from({ length: 32 }, () => rnd(1 << bits));
  const qsAt = size - 16;
  let qh = 0;
  for (let j = 0; j < 16; j++) bytes[qsAt + j] = (q[j]! & 15) | ((q[j + 16]! & 15) << 4);
  if (bits === 5) {
    for (let j = 0; j < 32; j++) if (q[j]! & 16) qh |= 1 << j;
    new DataView(bytes.buffer).setUint32(hasMin ? 4 : 2, qh >>> 0, true);
  }
  const offset = hasMin ? 0 : bits === 5 ? 16 : 8;
  const values = Float32Array.from(q, (x) => (hasMin ? d * x + m : d * (x - offset)));
  return { bytes, values };
}

/** Q4_K / Q5_K: one 256-weight super-block with 8 sub-blocks of 32, 6-bit scales and mins. */
export function buildQ45K(kind: "q4_k" | "q5_k", rnd: (n: number) => number): Built {
  const five = kind === "q5_k";
  const bytes = new Uint8Array(five ? 176 : 144);
  const d = putHalf(bytes, 0, (1 + rnd(64)) / 1024);
  const dmin = putHalf(bytes, 2, (1 + rnd(64)) / 2048);
  const sc = Array.from({ length: 8 }, () => rnd(64));
  const mn = Array.from({ length: 8 }, () => rnd(64));
  for (let j = 0; j < 4; j++) {
    bytes[4 + j] = sc[j]! | ((sc[j + 4]! >> 4) << 6);
    bytes[4 + j + 4] = mn[j]! | ((mn[j + 4]! >> 4) << 6);
    bytes[4 + j + 8] = (sc[j + 4]! & 15) | ((mn[j + 4]! & 15) << 4);
  }
  const q = Array.from({ length: 256 }, () => rnd(five ? 32 : 16));
  const qsAt = five ? 48 : 16;
  for (let c = 0; c < 4; c++) {
    for (let l = 0; l < 32; l++) {
      const lo = q[64 * c + l]!;
      const hi = q[64 * c + 32 + l]!;
      bytes[qsAt + 32 * c + l] = (lo & 15) | ((hi & 15) << 4);
      if (five) bytes[16 + l]! |= ((lo >> 4) << (2 * c)) | ((hi >> 4) << (2 * c + 1));
    }
  }
  const values = Float32Array.from(q, (x, i) => d * sc[i >> 5]! * x - dmin * mn[i >> 5]!);
  return { bytes, values };
}

/** Q6_K: one 256-weight super-block, 16 sub-blocks of 16 with int8 scales, 6-bit quants offset by 32. */
export function buildQ6K(rnd: (n: number) => number): Built {
  const bytes = new Uint8Array(210);
  const scales = Array.from({ length: 16 }, () => rnd(256) - 128);
  scales.forEach((s, i) => (bytes[192 + i] = s & 0xff));
  const d = putHalf(bytes, 208, (1 + rnd(64)) / 4096);
  const q = Array.from({ length: 256 }, () => rnd(64));
  for (let n = 0; n < 2; n++) {
    for (let l = 0; l < 32; l++) {
      const [a, b, c, e] = [0, 32, 64, 96].map((o) => q[128 * n + o + l]!) as [number, number, number, number];
      bytes[64 * n + l] = (a & 15) | ((c & 15) << 4);
      bytes[64 * n + 32 + l] = (b & 15) | ((e & 15) << 4);
      bytes[128 + 32 * n + l] = (a >> 4) | ((b >> 4) << 2) | ((c >> 4) << 4) | ((e >> 4) << 6);
    }
  }
  const values = Float32Array.from(q, (x, i) => d * scales[i >> 4]! * (x - 32));
  return { bytes, values };
}

/** `blocks` blocks of a kind, concatenated. */
export function buildBlocks(kind: string, blocks: number, seed: number): Built {
  const rnd = ints(seed);
  const parts: Built[] = [];
  for (let i = 0; i < blocks; i++) {
    if (kind === "q6_k") parts.push(buildQ6K(rnd));
    else if (kind === "q4_k" || kind === "q5_k") parts.push(buildQ45K(kind, rnd));
    else parts.push(buildLegacy(kind as "q4_0", rnd));
  }
  const bytes = new Uint8Array(parts.reduce((s, p) => s + p.bytes.length, 0));
  const values = new Float32Array(parts.reduce((s, p) => s + p.values.length, 0));
  let b = 0;
  let v = 0;
  for (const p of parts) {
    bytes.set(p.bytes, b);
    values.set(p.values, v);
    b += p.bytes.length;
    v += p.values.length;
  }
  return { bytes, values };
}
