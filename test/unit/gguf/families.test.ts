// The family-shaped test models (testmodels/families.ts) hold what the real GGUFs of Qwen2.5-Coder hold: the
// vocabulary size of each checkpoint (config.json vocab_size: 151,936 for 0.5b, 152,064 for 7b), the 22 added
// tokens from <|endoftext|> = 151643 on, padding as llama.cpp's convert_hf_to_gguf.py writes it ([PAD<id>], type
// UNUSED = 5) or as Ollama's convert/convert.go does ([PAD<n>] from 0, USER_DEFINED = 4), BOS = EOS = 151643 with
// add_bos false, and a tied output (no output.weight) for 0.5b, an untied one for 7b.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { getNumber } from "../../../src/sidecar/gguf/metadata";
import { readGgufHeader } from "../../../src/sidecar/gguf/reader";
import { GgufValueType } from "../../../src/sidecar/gguf/types";
import { makeQwenCoderModel, qwenVocab, QWEN_REAL_TOKENS } from "../../../src/sidecar/testmodels/families";

const dir = mkdtempSync(join(tmpdir(), "chorus-families-"));
after(() => rmSync(dir, { recursive: true, force: true }));

void test("a Qwen2.5-Coder vocabulary: added tokens at their real ids, padding as each converter writes it", () => {
  const llamaCpp = qwenVocab(151_936, "llama.cpp");
  assert.equal(llamaCpp.tokens.length, 151_936);
  assert.equal(llamaCpp.tokens[151_643], "<|endoftext|>");
  assert.equal(llamaCpp.tokens[151_645], "<|im_end|>");
  assert.equal(llamaCpp.tokens[151_659], "<|fim_prefix|>");
  assert.equal(llamaCpp.tokens[151_664], "<|file_sep|>");
  assert.equal(llamaCpp.types[151_643], 3);
  assert.equal(llamaCpp.types[151_657], 4, "<tool_call> is an added token that is not special");
  assert.equal(llamaCpp.tokens[QWEN_REAL_TOKENS], "[PAD151665]");
  assert.equal(llamaCpp.types[QWEN_REAL_TOKENS], 5);
  const ollama = qwenVocab(152_064, "ollama");
  assert.equal(ollama.tokens[QWEN_REAL_TOKENS], "[PAD0]");
  assert.equal(ollama.tokens.at(-1), "[PAD398]");
  assert.equal(ollama.types[QWEN_REAL_TOKENS], 4);
  assert.equal(new Set(ollama.tokens).size, ollama.tokens.length, "every token text is distinct");
});

void test("0.5b-shaped files tie the output to the embedding; 7b-shaped files have their own", async () => {
  for (const [size, vocab, tied] of [
    ["0.5b", 151_936, true],
    ["7b", 152_064, false],
  ] as const) {
    const m = await makeQwenCoderModel({ out: join(dir, `${size}.gguf`), size, dim: 8, layers: 1 });
    const h = await readGgufHeader(m.path);
    const tokens = h.metadata.get("tokenizer.ggml.tokens");
    assert.ok(tokens?.type === GgufValueType.ARRAY && tokens.value.length === vocab, `${size}: ${vocab} tokens`);
    assert.equal(getNumber(h.metadata, "llama.vocab_size"), vocab);
    assert.equal(getNumber(h.metadata, "tokenizer.ggml.eos_token_id"), 151_643);
    assert.equal(h.metadata.get("tokenizer.ggml.add_bos_token")?.value, false);
    assert.equal(
      h.tensors.some((t) => t.name === "output.weight"),
      !tied,
      `${size}: output.weight ${tied ? "absent" : "present"}`,
    );
    assert.deepEqual(h.tensors.find((t) => t.name === "token_embd.weight")?.dims.map(Number), [8, vocab]);
  }
  await assert.rejects(makeQwenCoderModel({ out: join(dir, "x.gguf"), size: "0.5b", paddingLogit: 5 }), /paddingLogit needs an untied output/);
});
