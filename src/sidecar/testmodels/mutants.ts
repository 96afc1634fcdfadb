// The fuzz corpus: seeded mutants of the project's own tiny llama model, in named classes, each one a way a GGUF
// file has ended llama.cpp (and with it the whole process that loaded it) or could: cut files, flipped header
// bytes, wrong counts, dimensions, offsets, string lengths and types, NaN/Inf data, duplicate names and tokens,
// illegal alignment, metadata values llama.cpp asserts on, and chat templates that loop or allocate without
// bound. The same seed always gives the same files. Used by test/unit/sidecar/fuzz-gguf.test.ts (a subset of every
// class) and bench/fuzz-gguf.ts (all of it).

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { meta } from "../gguf/metadata";
import { GgmlType, GgufValueType, type GgufValue } from "../gguf/types";
import { mulberry32, type Rng } from "../random";
import { cloneParts, readParts, writeParts, writeRaw, zeroData, type ModelParts } from "./mutant-parts";
import { makeRandomModel } from "./random";
import { metadataMutations, templateMutations } from "./mutant-metadata";

export const MUTATION_CLASSES = [
  "truncation",
  "header-bytes",
  "counts",
  "dimensions",
  "offsets",
  "string-lengths",
  "types",
  "nan-inf",
  "duplicates",
  "alignment",
  "metadata-values",
  "templates",
] as const;
export type MutationClass = (typeof MUTATION_CLASSES)[number];

export interface Mutant {
  /** File name stem, unique: `<class>-<n>`. */
  id: string;
  cls: MutationClass;
  /** What was changed, for the report. */
  change: string;
  path: string;
}

interface Source {
  parts: ModelParts;
  bytes: Buffer;
  headerLength: number;
  rng: Rng;
}

type Maker = (s: Source, out: string, n: number) => Promise<string> | string;

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

function flipBytes(s: Source, out: string): string {
  const b = Buffer.from(s.bytes);
  const flips = 1 + Math.floor(s.rng() * 4);
  const at: number[] = [];
  for (let i = 0; i < flips; i++) {
    const pos = Math.floor(s.rng() * s.headerLength);
    b[pos] = b[pos]! ^ (1 << Math.floor(s.rng() * 8));
    at.push(pos);
  }
  writeFileSync(out, b);
  return `flipped a bit at header bytes ${at.join(", ")}`;
}

function setCount(s: Source, out: string): string {
  const b = Buffer.from(s.bytes);
  const which = s.rng() < 0.5 ? 8 : 16;
  const current = Number(b.readBigUInt64LE(which));
  const value = pick(s.rng, [0n, BigInt(current - 1), BigInt(current + 1), BigInt(current * 2), 1n << 32n, 1n << 62n, (1n << 64n) - 1n]);
  b.writeBigUInt64LE(value < 0n ? 0n : value, which);
  writeFileSync(out, b);
  return `${which === 8 ? "tensor" : "metadata"} count ${current} → ${value}`;
}

async function changeDims(s: Source, out: string): Promise<string> {
  const p = cloneParts(s.parts);
  const t = pick(s.rng, p.tensors);
  const before = `[${t.dims.join(", ")}]`;
  const how = pick(s.rng, ["+1", "x2", "extra", "swap", "one", "drop"]);
  if (how === "+1") t.dims[0]! += 1;
  else if (how === "x2") t.dims[t.dims.length - 1]! *= 2;
  else if (how === "extra") t.dims.push(2);
  else if (how === "swap" && t.dims.length > 1) t.dims.reverse();
  else if (how === "one") t.dims[0] = 1;
  else if (t.dims.length > 1) t.dims.pop();
  else t.dims.push(3);
  t.data = zeroData(t.type, t.dims);
  await writeParts(p, out);
  return `${t.name} ${before} → [${t.dims.join(", ")}]`;
}

function moveOffset(s: Source, out: string): string {
  const i = Math.floor(s.rng() * s.parts.tensors.length);
  const how = pick(s.rng, ["+32", "-32", "+1", "huge", "same-as-first", "past-end"]);
  writeRaw(s.parts, out, {
    offsetOf: (j, proper) => {
      if (j !== i) return proper;
      if (how === "+32") return proper + 32;
      if (how === "-32") return Math.max(0, proper - 32);
      if (how === "+1") return proper + 1;
      if (how === "huge") return 2 ** 52;
      if (how === "same-as-first") return 0;
      return s.bytes.length;
    },
  });
  return `${s.parts.tensors[i]!.name} offset ${how}`;
}

/** Rewrites the u64 length in front of a metadata key's name, or of a string value. */
function stringLength(s: Source, out: string): string {
  const b = Buffer.from(s.bytes);
  const keys = ["general.architecture", "general.name", "tokenizer.ggml.model", "llama.context_length", "tokenizer.ggml.tokens"];
  const key = pick(s.rng, keys);
  const at = b.indexOf(Buffer.from(key, "latin1"));
  const valueLen = s.rng() < 0.5 && b.readUInt32LE(at + key.length) === GgufValueType.STRING;
  const lenAt = valueLen ? at + key.length + 4 : at - 8;
  const current = Number(b.readBigUInt64LE(lenAt));
  const value = pick(s.rng, [0n, BigInt(current + 1), BigInt(Math.max(0, current - 1)), 1n << 40n, (1n << 64n) - 1n, BigInt(s.bytes.length)]);
  b.writeBigUInt64LE(value, lenAt);
  writeFileSync(out, b);
  return `${valueLen ? "value" : "key"} length of ${key}: ${current} → ${value}`;
}

const NORM_TYPES = [GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.F64, GgmlType.I32, GgmlType.I8];
const MATRIX_TYPES = [
  GgmlType.I8,
  GgmlType.I16,
  GgmlType.I32,
  GgmlType.I64,
  GgmlType.F64,
  GgmlType.Q4_0,
  GgmlType.Q8_0,
  GgmlType.F16,
  GgmlType.BF16,
  GgmlType.IQ4_NL,
  GgmlType.TQ2_0,
];

async function changeType(s: Source, out: string): Promise<string> {
  const p = cloneParts(s.parts);
  if (s.rng() < 0.25) return retypeMetadata(p, s.rng, out);
  const t = pick(s.rng, p.tensors);
  const type = pick(s.rng, t.dims.length === 1 ? NORM_TYPES : MATRIX_TYPES);
  const before = GgmlType[t.type];
  t.type = type;
  try {
    t.data = zeroData(type, t.dims);
  } catch {
    t.data = zeroData(GgmlType.F32, t.dims); // a block size the row does not fit: keep the bytes, the header lies
    writeRaw(p, out);
    return `${t.name} ${before} → ${GgmlType[type]} (row not a multiple of its block)`;
  }
  await writeParts(p, out);
  return `${t.name} ${before} → ${GgmlType[type]}`;
}

async function retypeMetadata(p: ModelParts, rng: Rng, out: string): Promise<string> {
  const key = pick(rng, [
    "llama.block_count",
    "llama.embedding_length",
    "llama.attention.head_count",
    "llama.context_length",
    "tokenizer.ggml.bos_token_id",
    "llama.attention.layer_norm_rms_epsilon",
  ]);
  const old = p.metadata.get(key);
  const n = old && typeof old.value === "number" ? old.value : 1;
  const value: GgufValue = pick(rng, [
    meta.str(String(n)),
    meta.f32(n + 0.5),
    meta.i64(-Math.round(n)),
    meta.bool(true),
    meta.f32s([n, n, n]),
    meta.u8(Math.round(n) & 0xff),
  ]);
  p.metadata.set(key, value);
  await writeParts(p, out);
  return `${key} stored as ${GgufValueType[value.type]}`;
}

async function nanInf(s: Source, out: string): Promise<string> {
  const p = cloneParts(s.parts);
  const t = pick(
    s.rng,
    p.tensors.filter((x) => x.type === GgmlType.F32),
  );
  const f = new Float32Array(t.data.buffer, t.data.byteOffset, t.data.byteLength / 4);
  const value = pick(s.rng, [NaN, Infinity, -Infinity, 3.4e38]);
  const all = s.rng() < 0.3;
  for (let i = 0; i < f.length; i++) if (all || s.rng() < 0.05) f[i] = value;
  await writeParts(p, out);
  return `${all ? "every" : "some"} ${t.name} values ${value}`;
}

async function duplicate(s: Source, out: string): Promise<string> {
  const p = cloneParts(s.parts);
  const how = pick(s.rng, ["tensor", "key", "token"]);
  if (how === "tensor") {
    const i = Math.floor(s.rng() * p.tensors.length);
    const j = (i + 1 + Math.floor(s.rng() * (p.tensors.length - 1))) % p.tensors.length;
    p.tensors[j] = { ...p.tensors[j]!, name: p.tensors[i]!.name };
    writeRaw(p, out);
    return `tensor ${p.tensors[i]!.name} twice`;
  }
  if (how === "token") {
    const tokens = p.metadata.get("tokenizer.ggml.tokens");
    if (tokens?.type === GgufValueType.ARRAY) {
      const list = [...(tokens.value as string[])];
      const i = Math.floor(s.rng() * list.length);
      const j = Math.floor(s.rng() * list.length);
      list[j] = list[i]!;
      p.metadata.set("tokenizer.ggml.tokens", meta.strings(list));
      await writeParts(p, out);
      return `token ${j} has the text of token ${i}`;
    }
  }
  // Two entries with one key: a twin key of the same length is written, then given the original's name.
  const key = pick(s.rng, ["llama.block_count", "llama.embedding_length", "general.architecture", "tokenizer.ggml.tokens", "llama.attention.head_count"]);
  const twin = `${key.slice(0, -1)}${key.endsWith("#") ? "$" : "#"}`;
  const orig = p.metadata.get(key)!;
  p.metadata.set(twin, orig.type === GgufValueType.STRING ? meta.str("gpt2") : orig.type === GgufValueType.ARRAY ? meta.strings(["a", "b"]) : meta.u32(7));
  writeRaw(p, out);
  const b = readFileSync(out);
  const at = b.indexOf(Buffer.from(twin, "latin1"));
  b.write(key, at, "latin1");
  writeFileSync(out, b);
  return `metadata key ${key} twice`;
}

function alignment(s: Source, out: string): string {
  const p = cloneParts(s.parts);
  const value = pick(s.rng, [0, 1, 2, 3, 4, 8, 16, 24, 48, 64, 128, 1 << 20]);
  const legal = value > 0 && (value & (value - 1)) === 0;
  p.metadata.set("general.alignment", s.rng() < 0.8 ? meta.u32(value) : meta.u64(value));
  writeRaw(p, out, { alignment: legal && value <= 4096 ? value : 32 });
  return `general.alignment ${value}`;
}

const MAKERS: Record<MutationClass, Maker> = {
  truncation: (s, out) => {
    const at = Math.floor(s.rng() * s.bytes.length);
    writeFileSync(out, s.bytes.subarray(0, at));
    return `cut at byte ${at} of ${s.bytes.length}`;
  },
  "header-bytes": flipBytes,
  counts: setCount,
  dimensions: changeDims,
  offsets: moveOffset,
  "string-lengths": stringLength,
  types: changeType,
  "nan-inf": nanInf,
  duplicates: duplicate,
  alignment,
  "metadata-values": async (s, out, n) => {
    const p = cloneParts(s.parts);
    const change = metadataMutations(p, s.rng, n);
    await writeParts(p, out);
    return change;
  },
  templates: async (s, out, n) => {
    const p = cloneParts(s.parts);
    const change = templateMutations(p, n);
    await writeParts(p, out);
    return change;
  },
};

/** How many mutants of each class the full corpus has (612 in all). */
export const FULL_CORPUS: Record<MutationClass, number> = {
  truncation: 40,
  "header-bytes": 60,
  counts: 30,
  dimensions: 50,
  offsets: 40,
  "string-lengths": 40,
  types: 70,
  "nan-inf": 30,
  duplicates: 50,
  alignment: 30,
  "metadata-values": 140,
  templates: 32,
};

/** The good model every mutant starts from (a tiny random-weight llama), written to `path`. */
export async function writeFuzzBase(path: string): Promise<void> {
  await makeRandomModel({ out: path, name: "fuzz base", dim: 32, layers: 1, heads: 2, kvHeads: 2, ffn: 64, contextLength: 256, seed: 7 });
}

/** Writes the corpus into `dir`: `counts` mutants of each class (default the full corpus), from `seed`. */
export async function writeMutants(dir: string, opts: { seed?: number; counts?: Partial<Record<MutationClass, number>>; basePath: string }): Promise<Mutant[]> {
  const bytes = readFileSync(opts.basePath);
  const parts = await readParts(opts.basePath);
  const headerLength = bytes.length - parts.tensors.reduce((sum, t) => sum + Math.ceil(t.data.length / 32) * 32, 0);
  const out: Mutant[] = [];
  for (const cls of MUTATION_CLASSES) {
    const count = opts.counts?.[cls] ?? FULL_CORPUS[cls];
    for (let n = 0; n < count; n++) {
      // A seed per mutant: a subset (the unit test's) holds exactly the full corpus's first files of each class.
      const rng = mulberry32(((opts.seed ?? 1) * 1000003) ^ (MUTATION_CLASSES.indexOf(cls) * 7919 + n * 104729));
      const id = `${cls}-${n}`;
      const path = join(dir, `${id}.gguf`);
      const change = await MAKERS[cls]({ parts, bytes, headerLength, rng }, path, n);
      out.push({ id, cls, change, path });
    }
  }
  return out;
}
