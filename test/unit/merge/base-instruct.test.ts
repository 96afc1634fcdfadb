// Merging a base model with its instruct and other fine-tunes, as users do with task arithmetic and TIES: the
// tokenizers differ in end-of-sequence token and the instruct adds a token. The fixtures imitate Qwen2.5-Coder
// (base EOS <|endoftext|> 151643; instruct EOS <|im_end|> 151645, a token the base's GGUF lacks when the base was
// converted with a smaller vocabulary) and Llama 3.1 (EOS 128001 vs 128009), at a toy size: a 288-token base and a
// 289-token instruct whose one added token, <|im_end|>, is its EOS.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { getArray, getNumber, getString, meta } from "../../../src/sidecar/gguf/metadata";
import { GgufReader } from "../../../src/sidecar/gguf/reader";
import { planFromFlags } from "../../../src/sidecar/merge/plan-from-flags";
import { parsePlanYaml } from "../../../src/sidecar/merge/plan";
import { runMerge } from "../../../src/sidecar/merge/run";
import { byteVocab, EOS_ID } from "../../../src/sidecar/testmodels/byte-vocab";
import { withModel, nextLogits } from "../gguf/llama-harness";
import { assertClose } from "./helpers";
import { refCombine, refTopK } from "./reference";
import { makeModel, readAllTensors, readEach, tempDir } from "./models";

const tmp = tempDir();
after(tmp.cleanup);
const at = (name: string) => path.join(tmp.dir, name);

const DIM = 64;
const BASE_VOCAB = 288;
const IM_END = 288;

/** The instruct's tokenizer: the base's tokens plus <|im_end|> (a control token), which is its end of sequence. */
function instructTokenizer() {
  const { tokens, types } = byteVocab(BASE_VOCAB);
  return new Map([
    ["tokenizer.ggml.tokens", meta.strings([...tokens, "<|im_end|>"])],
    ["tokenizer.ggml.token_type", meta.i32s([...types, 3])],
    ["tokenizer.ggml.eos_token_id", meta.u32(IM_END)],
    ["tokenizer.chat_template", meta.str("{% for m in messages %}<|im_start|>{{ m.content }}<|im_end|>{% endfor %}")],
  ]);
}

const ready = (async () => ({
  base: await makeModel(at("qwen-coder-base.gguf"), { seed: 1 }),
  instruct: await makeModel(at("qwen-coder-instruct.gguf"), { seed: 2, baseSeed: 1, shape: { vocabSize: BASE_VOCAB + 1 }, extraMetadata: instructTokenizer() }),
  // Another fine-tune of the base with the base's tokenizer (a code-specialised one).
  coder: await makeModel(at("qwen-coder-fim.gguf"), { seed: 3, baseSeed: 1 }),
}))();

/** Rows [from, to) of an embedding-like tensor of DIM-wide rows. */
const rows = (t: Float32Array, from: number, to: number) => t.subarray(from * DIM, to * DIM);

async function metadataOf(file: string) {
  const r = await GgufReader.open(file);
  try {
    return {
      eos: getNumber(r.metadata, "tokenizer.ggml.eos_token_id"),
      tokens: getArray(r.metadata, "tokenizer.ggml.tokens")?.value.length,
      template: getString(r.metadata, "tokenizer.chat_template"),
      source: getString(r.metadata, "chorus.merge.tokenizer_source"),
    };
  } finally {
    await r.close();
  }
}

void test("task arithmetic of base + instruct + coder with the instruct's tokenizer: shared rows merged, the added row the instruct's, and llama.cpp loads it", async () => {
  const m = await ready;
  const plan = planFromFlags({
    method: "task_arithmetic",
    base: m.base,
    models: [m.instruct, m.coder],
    weights: [0.7, 0.4],
    dtype: "f32",
    tokenizerSource: m.instruct,
  });
  const result = await runMerge({ plan, out: at("ta.gguf") });
  const [base, inst, coder, out] = await readEach([m.base, m.instruct, m.coder, result.path]);
  for (const name of ["token_embd.weight", "output.weight"]) {
    const merged = out.get(name)!;
    assert.equal(merged.length, (BASE_VOCAB + 1) * DIM, `${name} has the instruct's 289 rows`);
    const shared = (t: Map<string, Float32Array>) => Array.from(rows(t.get(name)!, 0, BASE_VOCAB));
    const b = shared(base);
    const deltas = [shared(inst), shared(coder)].map((x) => x.map((v, j) => v - b[j]!));
    assertClose(rows(merged, 0, BASE_VOCAB), refCombine(b, deltas, [0.7, 0.4], { signVote: false, normalize: false }), 1e-5, `${name} shared rows`);
    // Task arithmetic is summed as (1 − Σλw)·base + Σ λw·model, so an unchanged row comes back to float32 rounding.
    assertClose(
      rows(merged, BASE_VOCAB, BASE_VOCAB + 1),
      rows(inst.get(name)!, BASE_VOCAB, BASE_VOCAB + 1),
      1e-6,
      `${name}: <|im_end|>'s row is the instruct's`,
    );
  }
  const md = await metadataOf(result.path);
  assert.deepEqual(md, { eos: IM_END, tokens: BASE_VOCAB + 1, template: (await metadataOf(m.instruct)).template, source: "qwen-coder-instruct.gguf" });
  assert.ok(
    result.notes?.some((n) =>
      /eos_token_id differs \(288 in qwen-coder-instruct\.gguf, 257 in qwen-coder-base\.gguf.*the output takes qwen-coder-instruct\.gguf's/.test(n),
    ),
    result.notes?.join("\n"),
  );
  // Real llama.cpp loads the merged file with the instruct's vocabulary.
  const [logits] = await withModel(result.path, (model) => nextLogits(model, [[256, 65, 66]]));
  assert.equal(logits!.length, BASE_VOCAB + 1);
  assert.ok(logits!.every(Number.isFinite));
});

void test("TIES of base + instruct with a mergekit plan naming the instruct as tokenizer_source", async () => {
  const m = await ready;
  const plan = parsePlanYaml(
    `merge_method: ties\nbase_model: qwen-coder-base.gguf\nmodels:\n  - model: qwen-coder-instruct.gguf\n    parameters: {density: 0.5, weight: 1}\n  - model: qwen-coder-fim.gguf\n    parameters: {density: 0.5, weight: 0.5}\ntokenizer_source: qwen-coder-instruct.gguf\ndtype: float32\n`,
    tmp.dir,
  );
  const result = await runMerge({ plan, out: at("ties.gguf") });
  const [base, inst, coder, out] = await readEach([m.base, m.instruct, m.coder, result.path]);
  const name = "token_embd.weight";
  const merged = out.get(name)!;
  // mergekit permutes every model's embeddings to the instruct's vocabulary; a model lacking <|im_end|> gets the
  // instruct's row there (mergekit/tokenizer/embed.py: a token in one model only takes that model's row), so its
  // task vector is 0 on that row and TIES ranks the whole 289-row tensor.
  const withRow = (t: Float32Array) => [...Array.from(rows(t, 0, BASE_VOCAB)), ...Array.from(rows(inst.get(name)!, BASE_VOCAB, BASE_VOCAB + 1))];
  const b = withRow(base.get(name)!);
  const deltas = [inst, coder].map((t) =>
    refTopK(
      withRow(t.get(name)!).map((v, j) => v - b[j]!),
      0.5,
    ),
  );
  assertClose(merged, refCombine(b, deltas, [1, 0.5], { signVote: true, normalize: true }), 1e-5, "TIES over the instruct's vocabulary");
  assert.deepEqual(rows(merged, BASE_VOCAB, BASE_VOCAB + 1), rows(inst.get(name)!, BASE_VOCAB, BASE_VOCAB + 1));
  assert.equal((await metadataOf(result.path)).eos, IM_END);
  const [logits] = await withModel(result.path, (model) => nextLogits(model, [[256, 65]]));
  assert.equal(logits!.length, BASE_VOCAB + 1);
});

void test("without a tokenizer source the output takes the base's tokenizer (mergekit's default) and drops the added row", async () => {
  const m = await ready;
  const result = await runMerge({
    plan: planFromFlags({ method: "ties", base: m.base, models: [m.instruct], density: [0.5], dtype: "f32" }),
    out: at("default.gguf"),
  });
  const md = await metadataOf(result.path);
  assert.equal(md.eos, EOS_ID);
  assert.equal(md.tokens, BASE_VOCAB);
  assert.equal(md.template, undefined);
  assert.equal((await readAllTensors(result.path)).get("token_embd.weight")!.length, BASE_VOCAB * DIM);
});

void test("tied embeddings: a model without output.weight merges its token embeddings as its output", async () => {
  const m = await ready;
  // Imitates Llama 3.2 1B (tied) merged with a fine-tune that unties its output head.
  const tied = await makeModel(at("llama-3.2-1b-tied.gguf"), { seed: 4, baseSeed: 1, tied: true });
  for (const [label, models, tokenizerSource] of [
    ["tied source", [tied, m.coder], tied],
    ["untied source", [m.coder, tied], m.coder],
  ] as const) {
    const result = await runMerge({
      plan: planFromFlags({ method: "linear", models: [...models], weights: [0.5, 0.5], dtype: "f32", tokenizerSource }),
      out: at(`tied-${label}.gguf`),
    });
    const [t, c, out] = await readEach([tied, m.coder, result.path]);
    const expected = c.get("output.weight")!.map((v, j) => 0.5 * v + 0.5 * t.get("token_embd.weight")![j]!);
    assertClose(out.get("output.weight")!, expected, 1e-6, label);
  }
});

void test("a token the source has where another model has one of its own: that model takes the source's row there", async () => {
  // As when a fine-tune put its own special token in place of one of Llama 3's <|reserved_special_token_N|>:
  // mergekit gives a token only the source has the source's row (mergekit/tokenizer/embed.py), so its task vector is 0.
  const m = await ready;
  const { tokens } = byteVocab(BASE_VOCAB);
  tokens[270] = "<|tool_call|>";
  const tuned = await makeModel(at("llama-3.1-tool-tune.gguf"), {
    seed: 5,
    baseSeed: 1,
    extraMetadata: new Map([["tokenizer.ggml.tokens", meta.strings(tokens)]]),
  });
  const result = await runMerge({
    plan: planFromFlags({ method: "task_arithmetic", base: m.base, models: [tuned], weights: [0.5], dtype: "f32" }),
    out: at("borrow.gguf"),
  });
  const [base, t, out] = await readEach([m.base, tuned, result.path]);
  const e = (x: Map<string, Float32Array>, id: number) => rows(x.get("token_embd.weight")!, id, id + 1);
  assertClose(e(out, 270), e(base, 270), 1e-6, "row 270 is the base's");
  assertClose(
    e(out, 269),
    Array.from(e(base, 269), (v, j) => v + 0.5 * (e(t, 269)[j]! - v)),
    1e-5,
    "row 269 is merged",
  );
  const tiesPlan = planFromFlags({ method: "ties", base: m.base, models: [tuned], density: [0.5], dtype: "f32" });
  const [whole, chunked] = [
    await runMerge({ plan: tiesPlan, out: at("borrow-whole.gguf") }),
    await runMerge({ plan: tiesPlan, out: at("borrow-chunked.gguf"), chunkValues: 200 }),
  ];
  assert.deepEqual(readFileSync(chunked.path), readFileSync(whole.path), "row chunks read the borrowed row as the whole tensor does");
  assert.ok(
    result.notes?.some((n) => /llama-3\.1-tool-tune\.gguf lacks 1 token\(s\) that qwen-coder-base\.gguf has .*"<\|pad_270\|>" at 270/.test(n)),
    result.notes?.join("\n"),
  );
});

void test("tokenizers that disagree on ids are refused, naming the token: one token moved, another vocabulary, another pre-tokenizer", async () => {
  const m = await ready;
  const swapped = byteVocab(BASE_VOCAB).tokens;
  [swapped[100], swapped[101]] = [swapped[101]!, swapped[100]!];
  const moved = await makeModel(at("moved.gguf"), { seed: 5, baseSeed: 1, extraMetadata: new Map([["tokenizer.ggml.tokens", meta.strings(swapped)]]) });
  await assert.rejects(
    runMerge({ plan: planFromFlags({ method: "ties", base: m.base, models: [moved], density: [0.5] }), out: at("bad.gguf") }),
    /token "d" is id 100 in one and 101 in the other/,
  );
  // 300 tokens renamed: another vocabulary of the same size, not a fine-tune's additions.
  const renamed = byteVocab(BASE_VOCAB + 300).tokens.map((t, i) => (i >= BASE_VOCAB ? `<|other_${i}|>` : t));
  const other = await makeModel(at("other-vocab.gguf"), {
    seed: 6,
    shape: { vocabSize: BASE_VOCAB + 300 },
    extraMetadata: new Map([
      ["tokenizer.ggml.tokens", meta.strings(renamed)],
      ["tokenizer.ggml.token_type", meta.i32s(renamed.map(() => 1))],
    ]),
  });
  const bigBase = await makeModel(at("big-base.gguf"), { seed: 7, shape: { vocabSize: BASE_VOCAB + 300 } });
  await assert.rejects(
    runMerge({ plan: planFromFlags({ method: "ties", base: bigBase, models: [other], density: [0.5] }), out: at("bad3.gguf") }),
    /300 of 588 tokens of big-base\.gguf are not in other-vocab\.gguf/,
  );
  const pre = await makeModel(at("other-pre.gguf"), { seed: 5, baseSeed: 1, extraMetadata: new Map([["tokenizer.ggml.pre", meta.str("qwen2")]]) });
  await assert.rejects(
    runMerge({ plan: planFromFlags({ method: "ties", base: m.base, models: [pre], density: [0.5] }), out: at("bad2.gguf") }),
    /tokenizer\.ggml\.pre is gpt-2 vs qwen2/,
  );
});

void test("row chunks that cross into the added rows give the same file as whole tensors", async () => {
  const m = await ready;
  for (const method of ["ties", "dare_linear", "task_arithmetic"] as const) {
    const plan = planFromFlags({
      method,
      base: m.base,
      models: [m.instruct, m.coder],
      density: method === "task_arithmetic" ? undefined : [0.5],
      seed: 2,
      dtype: "f32",
      tokenizerSource: m.instruct,
    });
    const whole = await runMerge({ plan, out: at(`whole-${method}.gguf`) });
    // 200 values: chunks of 3 rows, one of which straddles row 288.
    const chunked = await runMerge({ plan, out: at(`chunked-${method}.gguf`), chunkValues: 200 });
    assert.deepEqual(readFileSync(chunked.path), readFileSync(whole.path), method);
  }
});
