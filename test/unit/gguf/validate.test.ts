import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { copyGguf } from "../../../src/sidecar/gguf/copy";
import { encodeGgufHeader } from "../../../src/sidecar/gguf/header-encoder";
import { meta } from "../../../src/sidecar/gguf/metadata";
import { GgufError, GgmlType } from "../../../src/sidecar/gguf/types";
import { findLlamaProblems, validateForLlama } from "../../../src/sidecar/gguf/validate";
import { makeBigramModel } from "../../../src/sidecar/testmodels/bigram";
import { makeRandomModel } from "../../../src/sidecar/testmodels/random";
import { tempDir } from "./helpers";

const dir = tempDir("validate");
let good = "";

async function problemsAfter(name: string, edit: Parameters<typeof copyGguf>[0]["editMetadata"], keep?: (name: string) => boolean): Promise<string[]> {
  const out = join(dir, `${name}.gguf`);
  await copyGguf({ input: good, out, editMetadata: edit, keepTensor: keep ? (t) => keep(t.name) : undefined });
  return findLlamaProblems(out);
}

function assertHas(problems: string[], pattern: RegExp): void {
  assert.ok(
    problems.some((p) => pattern.test(p)),
    `expected a problem matching ${pattern}, got ${JSON.stringify(problems)}`,
  );
}

void describe("validateForLlama", () => {
  before(async () => {
    good = (await makeBigramModel({ corpus: "let x = 1;\n", out: join(dir, "good.gguf") })).path;
  });

  void it("accepts the generated models", async () => {
    assert.deepEqual(await findLlamaProblems(good), []);
    const random = await makeRandomModel({ out: join(dir, "random.gguf"), layers: 2 });
    assert.deepEqual(await findLlamaProblems(random.path), []);
    const header = await validateForLlama(random.path);
    assert.equal(header.tensors.length, 2 + 9 * 2 + 1);
  });

  void it("refuses a file with the wrong magic, naming the file", async () => {
    const bad = join(dir, "magic.gguf");
    const bytes = readFileSync(good);
    bytes.write("GGML", 0, "latin1");
    writeFileSync(bad, bytes);
    await assert.rejects(validateForLlama(bad), (e: unknown) => e instanceof GgufError && e.message.includes(bad) && /not a GGUF file/.test(e.message));
    assertHas(await findLlamaProblems(bad), /not a GGUF file/);
  });

  void it("refuses truncated files, in the header and in the tensor data", async () => {
    const bytes = readFileSync(good);
    const inHeader = join(dir, "trunc-header.gguf");
    writeFileSync(inHeader, bytes.subarray(0, 200));
    assertHas(await findLlamaProblems(inHeader), /truncated/);
    const inData = join(dir, "trunc-data.gguf");
    writeFileSync(inData, bytes.subarray(0, bytes.length - 4096));
    assertHas(await findLlamaProblems(inData), /tensor output\.weight .* runs past the end of the file/);
  });

  void it("refuses missing keys that make llama.cpp abort", async () => {
    const noFf = await problemsAfter("no-ff", (m) => (m.delete("llama.feed_forward_length"), m));
    assertHas(noFf, /llama\.feed_forward_length is missing/);
    const noHeads = await problemsAfter("no-heads", (m) => (m.delete("llama.attention.head_count"), m));
    assertHas(noHeads, /llama\.attention\.head_count is missing/);
    const noArch = await problemsAfter("no-arch", (m) => (m.delete("general.architecture"), m));
    assertHas(noArch, /general\.architecture is missing/);
  });

  void it("refuses an odd RoPE dimension, given or implied by the head size", async () => {
    assertHas(await problemsAfter("odd-rope", (m) => m.set("llama.rope.dimension_count", meta.u32(33))), /RoPE dimension is 33; it must be even/);
    const implied = await problemsAfter("odd-head", (m) => {
      m.delete("llama.rope.dimension_count");
      return m.set("llama.attention.head_count", meta.u32(8)).set("llama.attention.head_count_kv", meta.u32(8));
    });
    assertHas(implied, /RoPE dimension is 33/);
  });

  void it("accepts per-layer head counts and a 'none' token id, and checks the per-layer length", async () => {
    const perLayer = await problemsAfter("per-layer", (m) =>
      m
        .set("llama.attention.head_count", meta.i32s([4]))
        .set("llama.attention.head_count_kv", meta.i32s([4]))
        .set("tokenizer.ggml.padding_token_id", meta.u32(0xffffffff)),
    );
    assert.deepEqual(perLayer, []);
    assertHas(
      await problemsAfter("per-layer-len", (m) => m.set("llama.attention.head_count", meta.i32s([4, 4]))),
      /head_count has 2 entries, expected one per layer \(1\)/,
    );
  });

  void it("refuses wrong shapes, missing tensors and a vocabulary that does not match", async () => {
    assertHas(
      await problemsAfter("shape", (m) => m.set("llama.embedding_length", meta.u32(256))),
      /token_embd\.weight has rows of 264, but embedding_length is 256/,
    );
    assertHas(await problemsAfter("no-ffn-down", undefined, (n) => n !== "blk.0.ffn_down.weight"), /tensor blk\.0\.ffn_down\.weight is missing/);
    assertHas(
      await problemsAfter("ffn-size", (m) => m.set("llama.feed_forward_length", meta.u32(64))),
      /tensor blk\.0\.ffn_gate\.weight has shape \[264, 32\], expected \[264, 64\]/,
    );
    assertHas(await problemsAfter("bos", (m) => m.set("tokenizer.ggml.bos_token_id", meta.u32(9999))), /bos_token_id is 9999, outside the vocabulary of 258/);
    assertHas(
      await problemsAfter("vocab", (m) => m.set("tokenizer.ggml.tokens", meta.strings(["a", "b"]))),
      /token_type has 258 entries but there are 2 tokens|token_embd\.weight has 258 rows, but the vocabulary has 2/,
    );
  });

  void it("refuses a tensor that lies outside the file and tensors stored out of order", async () => {
    const m = new Map([["general.architecture", meta.str("llama")]]);
    const outOfBounds = join(dir, "oob.gguf");
    const header = encodeGgufHeader(m, [{ name: "a", dims: [8], type: GgmlType.F32, offset: 4096 }], 32);
    writeFileSync(outOfBounds, Buffer.concat([header, Buffer.alloc(64)]));
    await assert.rejects(validateForLlama(outOfBounds), /tensor a starts at data offset 4096, past the end of the file/);
    const tooLong = join(dir, "too-long.gguf");
    writeFileSync(tooLong, Buffer.concat([encodeGgufHeader(m, [{ name: "a", dims: [64], type: GgmlType.F32, offset: 0 }], 32), Buffer.alloc(64)]));
    await assert.rejects(validateForLlama(tooLong), /tensor a \(256 bytes at byte \d+\) runs past the end of the file/);

    const swapped = join(dir, "order.gguf");
    const h2 = encodeGgufHeader(
      m,
      [
        { name: "a", dims: [8], type: GgmlType.F32, offset: 32 },
        { name: "b", dims: [8], type: GgmlType.F32, offset: 0 },
      ],
      32,
    );
    writeFileSync(swapped, Buffer.concat([h2, Buffer.alloc(64)]));
    assertHas(await findLlamaProblems(swapped), /tensor a is at data offset 32; llama\.cpp expects 0/);

    const misaligned = join(dir, "misaligned.gguf");
    writeFileSync(misaligned, Buffer.concat([encodeGgufHeader(m, [{ name: "a", dims: [8], type: GgmlType.F32, offset: 4 }], 32), Buffer.alloc(64)]));
    assertHas(await findLlamaProblems(misaligned), /offset 4, not a multiple of the alignment 32/);
  });

  void it("lists every problem at once in the thrown error", async () => {
    const out = join(dir, "many.gguf");
    await copyGguf({
      input: good,
      out,
      editMetadata: (m) => {
        m.delete("llama.feed_forward_length");
        return m.set("llama.rope.dimension_count", meta.u32(65));
      },
    });
    await assert.rejects(
      validateForLlama(out),
      (e: unknown) =>
        e instanceof GgufError && e.message.includes(out) && /feed_forward_length is missing/.test(e.message) && /RoPE dimension is 65/.test(e.message),
    );
  });
});
