// Which vocabularies mix, and over which ids: llama.cpp's rule for pairing a draft model with a target
// (common/speculative.cpp, common_speculative_are_compatible: same tokenizer type, same BOS/EOS ids and add flags,
// sizes at most SPEC_VOCAB_MAX_SIZE_DIFFERENCE = 128 apart, the same text from SPEC_VOCAB_CHECK_START_TOKEN_ID = 5
// on), with padding ignored and excluded. The vocabularies are shaped like real GGUFs (testmodels/families.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { distFromLogprobs, distFromReadout } from "../../../src/sidecar/mixing/distribution";
import { contrastiveMix } from "../../../src/sidecar/mixing/strategies/contrastive";
import { isPaddingToken, sharedVocabulary, VocabularyMismatchError, type VocabularyInfo } from "../../../src/sidecar/mixing/vocab";
import { QWEN25_CODER, QWEN_ENDOFTEXT, QWEN_REAL_TOKENS, qwenVocab, type Converter } from "../../../src/sidecar/testmodels/families";

function qwen(name: string, size: keyof typeof QWEN25_CODER, converter: Converter = "llama.cpp"): VocabularyInfo {
  const v = qwenVocab(QWEN25_CODER[size].vocabSize, converter);
  return { name, tokens: v.tokens, types: v.types, model: "gpt2", bos: QWEN_ENDOFTEXT, eos: QWEN_ENDOFTEXT, addBos: false };
}

void test("Qwen2.5-Coder 0.5b (151,936 ids) and 7b (152,064) mix over their 151,665 real tokens", () => {
  const shared = sharedVocabulary([qwen("qwen2.5-coder:0.5b", "0.5b"), qwen("qwen2.5-coder:7b", "7b")]);
  assert.equal(shared.size, 152_064);
  assert.equal(shared.usable, QWEN_REAL_TOKENS);
  // Every padding id of either, and the 128 ids only 7b has, are excluded; nothing else is.
  assert.equal(shared.excluded.length, 152_064 - QWEN_REAL_TOKENS);
  assert.equal(shared.excluded[0], QWEN_REAL_TOKENS);
  assert.equal(shared.excluded.at(-1), 152_063);
});

void test("the same pair converted by llama.cpp and by Ollama (different padding names) still mixes", () => {
  // llama.cpp's convert_hf_to_gguf.py writes [PAD151665] (UNUSED); Ollama's convert/convert.go writes [PAD0]
  // (USER_DEFINED): the texts differ on every padding id, which is why padding is left out of the comparison.
  const a = qwen("0.5b (llama.cpp)", "0.5b", "llama.cpp");
  const b = qwen("7b (ollama)", "7b", "ollama");
  assert.notEqual(a.tokens[QWEN_REAL_TOKENS], b.tokens[QWEN_REAL_TOKENS]);
  assert.equal(sharedVocabulary([a, b]).usable, QWEN_REAL_TOKENS);
  assert.equal(sharedVocabulary([b, a]).usable, QWEN_REAL_TOKENS);
});

void test("padding is recognised by type UNUSED or by the converters' names", () => {
  assert.equal(isPaddingToken("[PAD151665]", 5), true);
  assert.equal(isPaddingToken("[PAD0]", 4), true);
  assert.equal(isPaddingToken("<|PAD_TOKEN|>", 4), true);
  assert.equal(isPaddingToken("anything", 5), true);
  assert.equal(isPaddingToken("<|fim_pad|>", 3), false, "a real control token that merely mentions pad");
  assert.equal(isPaddingToken("[PAD]", 3), false, "BERT's [PAD] is a real special token");
});

void test("one model alone loses only its padding", () => {
  const shared = sharedVocabulary([qwen("7b", "7b")]);
  assert.equal(shared.usable, QWEN_REAL_TOKENS);
});

void test("incompatible vocabularies are refused with the reason", () => {
  const base = qwen("a", "0.5b");
  const refused = (other: VocabularyInfo, why: RegExp) =>
    assert.throws(
      () => sharedVocabulary([base, other]),
      (e: unknown) => e instanceof VocabularyMismatchError && why.test(e.message) && /"a" and "b"/.test(e.message),
    );
  refused({ ...base, name: "b", model: "llama" }, /the tokenizer is "gpt2" in one and "llama" in the other/);
  refused({ ...base, name: "b", eos: 151645 }, /the EOS token is 151643 in one and 151645 in the other/);
  refused({ ...base, name: "b", addBos: true }, /the add-BOS flag is false in one and true in the other/);
  refused(
    { ...base, name: "b", tokens: base.tokens.slice(0, 151_665 - 200), types: base.types },
    /151936 vs 151465 tokens, more apart than the 128 padding ids/,
  );
  const changed = [...base.tokens];
  changed[1000] = "something else";
  refused({ ...base, name: "b", tokens: changed }, /token 1000 is "\u0120bpe1000" in one and "something else" in the other/);
});

void test("ids below 5 may differ in text (llama.cpp does not compare them) but are then not used", () => {
  const a: VocabularyInfo = { name: "a", tokens: ["<unk>", "<s>", "</s>", "x", "y", "z", "w"], bos: 1, eos: 2, addBos: true, model: "llama" };
  const b: VocabularyInfo = { ...a, name: "b", tokens: ["<unk2>", "<S>", "</S>", "x", "q", "z", "w"] };
  const shared = sharedVocabulary([a, b]);
  // 0 and 4 are dropped; BOS 1 and EOS 2 stay (every model agrees on them by id); 3, 5, 6 are shared.
  assert.deepEqual([...shared.excluded], [0, 4]);
  assert.equal(shared.usable, 5);
});

void test("contrastive decoding never gives an id the amateur lacks +∞ once it is excluded", () => {
  // The expert has 8 ids, the amateur 7: id 7 is the expert's favourite and the amateur does not have it.
  const expert = [-3, -3, -2.5, -3, -3, -3, -3, -0.2];
  const amateur = [-2, -2, -1, -2, -2, -2, -2.5];
  const mixedWithout = contrastiveMix(distFromLogprobs(expert), distFromLogprobs(amateur), 0.01, 0.5);
  const j = mixedWithout.tokens.indexOf(7);
  assert.equal(mixedWithout.scores[j], Infinity, "without exclusion the missing id is infinitely likely (the bug)");
  const excluded = Int32Array.of(7);
  const dist = (row: number[]) => {
    const logits = new Map(row.map((z, t) => [t, z] as [number, number]).sort((x, y) => y[1] - x[1]));
    const max = Math.max(...row);
    return distFromReadout(
      logits,
      row.reduce((s, z) => s + Math.exp(z - max), 0),
      7,
      true,
      excluded,
    );
  };
  const mixed = contrastiveMix(dist(expert), dist(amateur), 0.01, 0.5);
  assert.equal(mixed.tokens.includes(7), false);
  assert.ok([...mixed.scores].every(Number.isFinite));
  // On the shared ids the mix is the closed form: (1+β)·log p_e − β·log p_a, up to one constant.
  const want = mixed.tokens.map((t) => 1.5 * expert[t]! - 0.5 * amateur[t]!);
  mixed.tokens.forEach((_, k) => assert.ok(Math.abs(mixed.scores[k]! - mixed.scores[0]! - (want[k]! - want[0]!)) < 1e-12));
});
