import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { quantize } from "../../../src/sidecar/gguf/codecs/index";
import { meta } from "../../../src/sidecar/gguf/metadata";
import { GgufReader } from "../../../src/sidecar/gguf/reader";
import { GgmlType, GgufError, GgufValueType, type GgufMetadata } from "../../../src/sidecar/gguf/types";
import { writeGguf, type GgufTensorSpec } from "../../../src/sidecar/gguf/writer";
import { encodeGgufHeader } from "../../../src/sidecar/gguf/header-encoder";
import { filesIn, seededFloats, tempDir } from "./helpers";

const dir = tempDir("gguf-rw");

function sampleMetadata(alignment?: number): GgufMetadata {
  const m: GgufMetadata = new Map();
  m.set("general.architecture", meta.str("llama"));
  m.set("general.name", meta.str("ünïcödé model ✓"));
  if (alignment) m.set("general.alignment", meta.u32(alignment));
  m.set("t.u8", meta.u8(250));
  m.set("t.i8", meta.i8(-100));
  m.set("t.u16", meta.u16(65000));
  m.set("t.i16", meta.i16(-32000));
  m.set("t.u32", meta.u32(4_000_000_000));
  m.set("t.i32", meta.i32(-2_000_000_000));
  m.set("t.f32", meta.f32(Math.fround(0.1)));
  m.set("t.f64", meta.f64(0.1));
  m.set("t.u64", meta.u64(2n ** 63n + 5n));
  m.set("t.i64", meta.i64(-(2n ** 62n)));
  m.set("t.bool", meta.bool(true));
  m.set("t.strings", meta.strings(["a", "", "Ġ", "<|bos|>"]));
  m.set("t.floats", meta.f32s([0.5, -1.25]));
  m.set("t.u64s", { type: GgufValueType.ARRAY, itemType: GgufValueType.UINT64, value: [1n, 2n ** 40n] });
  m.set("t.bools", { type: GgufValueType.ARRAY, itemType: GgufValueType.BOOL, value: [true, false] });
  m.set("t.nested", {
    type: GgufValueType.ARRAY,
    itemType: GgufValueType.ARRAY,
    value: [meta.i32s([1, 2, 3]), meta.strings(["x"])],
  });
  return m;
}

const tensors: GgufTensorSpec[] = [
  { name: "a.f32", type: GgmlType.F32, dims: [3, 5] },
  { name: "b.f16", type: GgmlType.F16, dims: [7] },
  { name: "c.q8_0", type: GgmlType.Q8_0, dims: [64, 3, 2] },
  { name: "d.bf16", type: GgmlType.BF16, dims: [5, 1, 1, 2] },
];
const values = tensors.map((t, i) =>
  seededFloats(
    t.dims.reduce((a, b) => a * b, 1),
    100 + i,
  ),
);
const encoded = tensors.map((t, i) => quantize(t.type, values[i]!));

async function writeSample(out: string, alignment?: number): Promise<void> {
  await writeGguf({ out, metadata: sampleMetadata(alignment), tensors, data: (_t, i) => encoded[i]! });
}

void describe("GGUF writer and reader", () => {
  void it("reads string and scalar arrays that cross the parser's 1 MB read window", async () => {
    // ~2.6 MB of strings of varied lengths (some with 2-, 3- and 4-byte UTF-8), then floats: items fall across
    // window boundaries at every offset.
    const strings = Array.from({ length: 200_000 }, (_, i) => "tok".repeat(i % 7) + String(i) + (i % 100 === 0 ? "é✓😀" : ""));
    const floats = Array.from({ length: 300_000 }, (_, i) => Math.fround(i / 7));
    const m: GgufMetadata = new Map([...sampleMetadata()]);
    m.set("t.many.strings", meta.strings(strings));
    m.set("t.many.floats", meta.f32s(floats));
    const out = join(dir, "long-arrays.gguf");
    await writeGguf({ out, metadata: m, tensors, data: (_t, i) => encoded[i]! });
    const r = await GgufReader.open(out);
    try {
      assert.deepEqual([...r.metadata.entries()], [...m.entries()]);
    } finally {
      await r.close();
    }
  });

  void it("round-trips every metadata value type, tensor shapes, types and bytes", async () => {
    const out = join(dir, "sample.gguf");
    await writeSample(out);
    const r = await GgufReader.open(out);
    try {
      assert.equal(r.header.version, 3);
      assert.deepEqual([...r.metadata.entries()], [...sampleMetadata().entries()]);
      assert.deepEqual(
        r.tensors.map((t) => [t.name, t.type, t.dims]),
        tensors.map((t) => [t.name, t.type, t.dims]),
      );
      for (const [i, t] of r.tensors.entries()) {
        assert.deepEqual(new Uint8Array(await r.readTensorBytes(t)), encoded[i]);
        assert.equal(t.fileOffset % 32, 0);
      }
      // F32 comes back exactly.
      assert.deepEqual(await r.readTensorFloat32(r.requireTensor("a.f32")), values[0]);
    } finally {
      await r.close();
    }
    assert.equal(statSync(out).size % 32, 0);
  });

  void it("honours general.alignment and agrees with node-llama-cpp's own GGUF parser", async () => {
    const out = join(dir, "aligned.gguf");
    await writeSample(out, 64);
    const r = await GgufReader.open(out);
    const { readGgufFileInfo } = await import("node-llama-cpp");
    const info = await readGgufFileInfo(out, { readTensorInfo: true, logWarnings: false });
    try {
      assert.equal(r.header.alignment, 64);
      assert.equal(r.header.dataOffset % 64, 0);
      const theirs = info.fullTensorInfo ?? [];
      assert.equal(theirs.length, tensors.length);
      for (const t of r.tensors) {
        assert.equal(t.offset % 64, 0);
        const other = theirs.find((x) => x.name === t.name);
        assert.ok(other, `node-llama-cpp sees tensor ${t.name}`);
        assert.equal(Number(other.fileOffset), t.fileOffset);
        assert.deepEqual(other.dimensions.map(Number), t.dims);
        assert.equal(Number(other.ggmlType), t.type);
      }
      const general = (info.metadata as { general?: { name?: string } }).general;
      assert.equal(general?.name, "ünïcödé model ✓");
    } finally {
      await r.close();
    }
  });

  void it("reads a tensor in row-aligned chunks and by row range", async () => {
    const out = join(dir, "chunks.gguf");
    await writeSample(out);
    const r = await GgufReader.open(out);
    try {
      const t = r.requireTensor("c.q8_0"); // 6 rows of 64 values = 6 × 68 bytes
      const chunks = [];
      for await (const c of r.readTensorChunks(t, 150)) chunks.push(c);
      assert.deepEqual(
        chunks.map((c) => [c.rowStart, c.rowCount]),
        [
          [0, 2],
          [2, 2],
          [4, 2],
        ],
      );
      assert.deepEqual(new Uint8Array(Buffer.concat(chunks.map((c) => c.bytes))), encoded[2]);
      const rows = await r.readTensorFloat32(t, 1, 2);
      const all = await r.readTensorFloat32(t);
      assert.deepEqual(rows, all.subarray(64, 192));
      await assert.rejects(r.readTensorBytes(t, 5, 2), /outside tensor c\.q8_0/);
      // Each read owns its whole ArrayBuffer (callers such as the merge's F16 path view .buffer directly).
      const small = await r.readTensorBytes(t, 0, 1);
      assert.equal(small.byteOffset, 0);
      assert.equal(small.buffer.byteLength, small.length);
    } finally {
      await r.close();
    }
  });

  void it("accepts tensor data in chunks from an async source", async () => {
    const out = join(dir, "streamed.gguf");
    async function* pieces(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
    }
    await writeGguf({ out, metadata: sampleMetadata(), tensors, data: (_t, i) => pieces(encoded[i]!) });
    assert.deepEqual(readFileSync(out), readFileSync(join(dir, "sample.gguf")));
  });

  void it("leaves nothing behind when a source gives the wrong number of bytes", async () => {
    const sub = tempDir("gguf-short");
    const out = join(sub, "short.gguf");
    await assert.rejects(
      writeGguf({ out, metadata: sampleMetadata(), tensors, data: (_t, i) => (i === 2 ? encoded[2]!.subarray(1) : encoded[i]!) }),
      (e: unknown) => e instanceof GgufError && /tensor c\.q8_0 .* needs exactly 408 bytes, but its source gave 407/.test(e.message),
    );
    await assert.rejects(
      writeGguf({ out, metadata: sampleMetadata(), tensors, data: (_t, i) => [encoded[i]!, new Uint8Array(1)] }),
      /needs exactly 60 bytes, but its source gave more/,
    );
    assert.deepEqual(filesIn(sub), []);
  });

  void it("stops on abort and removes its temp file; a failing source also cleans up", async () => {
    const sub = tempDir("gguf-abort");
    const out = join(sub, "aborted.gguf");
    const ac = new AbortController();
    await assert.rejects(
      writeGguf({
        out,
        metadata: sampleMetadata(),
        tensors,
        signal: ac.signal,
        data: (_t, i) => {
          if (i === 1) ac.abort();
          return encoded[i]!;
        },
      }),
      (e: unknown) => e instanceof Error && e.name === "AbortError",
    );
    await assert.rejects(writeGguf({ out, metadata: sampleMetadata(), tensors, data: () => Promise.reject(new Error("disk on fire")) }), /disk on fire/);
    assert.deepEqual(filesIn(sub), []);
  });

  void it("an abort ends the write at once even while a source hangs, leaving nothing behind", async () => {
    const sub = tempDir("gguf-hang");
    const ac = new AbortController();
    async function* hanging(): AsyncGenerator<Uint8Array> {
      yield encoded[1]!.subarray(0, 4);
      setTimeout(() => ac.abort(), 20); // the abort arrives while the source hangs
      await new Promise(() => undefined); // never settles
    }
    const started = Date.now();
    await assert.rejects(
      writeGguf({ out: join(sub, "hang.gguf"), metadata: sampleMetadata(), tensors, signal: ac.signal, data: (_t, i) => (i === 1 ? hanging() : encoded[i]!) }),
      (e: unknown) => e instanceof Error && e.name === "AbortError",
    );
    assert.ok(Date.now() - started < 5000);
    const ac2 = new AbortController();
    setTimeout(() => ac2.abort(), 50);
    await assert.rejects(
      writeGguf({
        out: join(sub, "hang2.gguf"),
        metadata: sampleMetadata(),
        tensors,
        signal: ac2.signal,
        data: () => new Promise<Uint8Array>(() => undefined),
      }),
      (e: unknown) => e instanceof Error && e.name === "AbortError",
    );
    assert.deepEqual(filesIn(sub), []);
  });

  void it("a source that stops on the same abort leaves no unhandled rejection behind (Ctrl-C in a merge)", async () => {
    const sub = tempDir("gguf-abort-source");
    const ac = new AbortController();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on("unhandledRejection", onUnhandled);
    // Like a merge's tensor source: its next chunk rejects once the signal has aborted. The abort lands while the
    // writer awaits the previous chunk's write, so the writer finds the signal already aborted at the next next().
    async function* stopsOnAbort(): AsyncGenerator<Uint8Array> {
      yield encoded[1]!.subarray(0, 4);
      await new Promise((r) => setTimeout(r, 5));
      ac.signal.throwIfAborted();
      yield encoded[1]!.subarray(4);
    }
    const source = stopsOnAbort();
    const first = source.next.bind(source);
    let calls = 0;
    source.next = () => {
      if (++calls === 2) ac.abort();
      return first();
    };
    try {
      await assert.rejects(
        writeGguf({
          out: join(sub, "stopped.gguf"),
          metadata: sampleMetadata(),
          tensors,
          signal: ac.signal,
          data: (_t, i) => (i === 1 ? source : encoded[i]!),
        }),
        (e: unknown) => e instanceof Error && e.name === "AbortError",
      );
      await new Promise((r) => setTimeout(r, 30)); // the source's own rejection settles meanwhile
      assert.deepEqual(unhandled, []);
      assert.deepEqual(filesIn(sub), []);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  void it("refuses to overwrite one of its inputs, and leaves the input intact", async () => {
    const input = join(dir, "input.gguf");
    await writeSample(input);
    const before = readFileSync(input);
    await assert.rejects(
      writeGguf({ out: input, inputs: [input], metadata: sampleMetadata(), tensors, data: (_t, i) => encoded[i]! }),
      /refusing to write over the input/,
    );
    assert.deepEqual(readFileSync(input), before);
    assert.ok(!existsSync(`${input}.tmp-${process.pid}`));
  });

  void it("rejects bad specs before writing anything", async () => {
    const out = join(dir, "bad-spec.gguf");
    const data = (): Uint8Array => new Uint8Array(0);
    await assert.rejects(writeGguf({ out, metadata: new Map(), tensors: [{ name: "x", type: GgmlType.Q8_0, dims: [33] }], data }), /multiple of 32/);
    await assert.rejects(writeGguf({ out, metadata: new Map(), tensors: [{ name: "x", type: GgmlType.F32, dims: [0] }], data }), /invalid shape/);
    await assert.rejects(writeGguf({ out, metadata: new Map([["k", meta.u8(300)]]), tensors: [], data }), /k: 300 is not a valid UINT8/);
    await assert.rejects(writeGguf({ out: join(dir, "no/such/dir/x.gguf"), metadata: new Map(), tensors: [], data }), /does not exist/);
    assert.ok(!existsSync(out));
  });

  void it("reports a clear error for files that are not GGUF", async () => {
    const notGguf = join(dir, "not.gguf");
    writeFileSync(notGguf, "hello world, this is not a model file at all");
    await assert.rejects(GgufReader.open(notGguf), (e: unknown) => e instanceof GgufError && e.message.includes(notGguf) && /not a GGUF file/.test(e.message));
    await assert.rejects(GgufReader.open(join(dir, "missing.gguf")), /cannot open/);
    const v1 = Buffer.alloc(64);
    v1.write("GGUF", 0, "latin1");
    v1.writeUInt32LE(1, 4);
    writeFileSync(notGguf, v1);
    await assert.rejects(GgufReader.open(notGguf), /unsupported GGUF version 1/);
    v1.writeUInt32BE(3, 4);
    writeFileSync(notGguf, v1);
    await assert.rejects(GgufReader.open(notGguf), /big-endian/);
  });

  void it("rejects corrupt headers quickly, without giant allocations", async () => {
    const file = join(dir, "corrupt.gguf");
    const check = async (bytes: Buffer, pattern: RegExp): Promise<void> => {
      writeFileSync(file, Buffer.concat([bytes, Buffer.alloc(256)]));
      await assert.rejects(GgufReader.open(file), (e: unknown) => e instanceof GgufError && pattern.test(e.message), String(pattern));
    };
    const one = new Map([["k", meta.u8(1)]]);
    const t = (dims: number[], type: number = GgmlType.F32, name = "a") => ({ name, dims, type, offset: 0 });
    await check(encodeGgufHeader(new Map(), [t([8], 99)], 32), /tensor a has unknown ggml type 99/);
    await check(encodeGgufHeader(new Map(), [t([0])], 32), /dimension 0 = 0; every dimension must be at least 1/);
    await check(encodeGgufHeader(new Map(), [t([1, 1, 1, 1, 1])], 32), /5 dimensions; ggml allows 1 to 4/);
    await check(encodeGgufHeader(new Map(), [t([8]), t([8])], 32), /tensor a appears twice/);
    await check(encodeGgufHeader(new Map(), [t([33], GgmlType.Q8_0)], 32), /Q8_0 with row length 33, not a multiple of its block size 32/);
    await check(encodeGgufHeader(new Map([["general.alignment", meta.u32(48)]]), [], 16), /general\.alignment must be a power of two, found 48/);

    const badType = encodeGgufHeader(one, [], 32);
    badType.writeUInt32LE(13, 24 + 8 + 1); // the value type of "k"
    await check(badType, /metadata k has unknown value type 13/);
    const longKey = encodeGgufHeader(one, [], 32);
    longKey.writeBigUInt64LE(1n << 40n, 24); // the length of the key "k"
    await check(longKey, /claims a length of 1099511627776 bytes/);
    const manyItems = encodeGgufHeader(new Map([["arr", meta.i32s([1, 2])]]), [], 32);
    manyItems.writeBigUInt64LE(1n << 50n, 24 + 8 + 3 + 4 + 4); // the item count of "arr"
    await check(manyItems, /metadata arr claims 1125899906842624 array items/);
    const manyTensors = encodeGgufHeader(new Map(), [], 32);
    manyTensors.writeBigUInt64LE(1n << 40n, 8);
    await check(manyTensors, /claims 1099511627776 for the tensor count/);
  });
});
