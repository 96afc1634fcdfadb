// A malformed GGUF in a model folder is refused with a clear error before llama.cpp sees it (llama.cpp would
// abort the whole process on some of them), and the sidecar goes on serving the good models.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { copyGguf } from "../../../src/sidecar/gguf/copy";
import { meta } from "../../../src/sidecar/gguf/metadata";
import { GgmlType } from "../../../src/sidecar/gguf/types";
import { findLlamaProblems } from "../../../src/sidecar/gguf/validate";
import { type Fixture, refusal, startFixture } from "./helpers";

let f: Fixture;
before(async () => {
  f = await startFixture({}, async (dir) => {
    writeFileSync(join(dir, "not-a-model.gguf"), "this is a text file with a .gguf name\n");
    // A real model cut in half: its header promises tensor data past the end of the file.
    const real = readFileSync(join(dir, "ts-bigram.gguf"));
    writeFileSync(join(dir, "truncated.gguf"), real.subarray(0, Math.floor(real.length / 2)));
    // Structurally sound, but llama.cpp would abort the whole process (GGML_ASSERT) on the missing key.
    await copyGguf({
      input: join(dir, "ts-bigram.gguf"),
      out: join(dir, "no-ffn.gguf"),
      editMetadata: (m) => {
        m.delete("llama.feed_forward_length");
        return m;
      },
    });
    // Well-formed files that end any process loading them (issue #22): llama-model.cpp asserts
    // GGML_ASSERT(n_expert_used_max > 0) for an expert count on a dense model, and ggml-cpu's binary_op aborts on
    // a norm stored as F16 ("unsupported types: dst: f32, src0: f32, src1: f16").
    await copyGguf({
      input: join(dir, "ts-bigram.gguf"),
      out: join(dir, "dense-with-experts.gguf"),
      editMetadata: (m) => (m.set("llama.expert_count", meta.u32(4)), m),
    });
    await copyGguf({
      input: join(dir, "ts-bigram.gguf"),
      out: join(dir, "f16-norm.gguf"),
      convertTensor: (t) => (t.name === "output_norm.weight" ? GgmlType.F16 : undefined),
    });
  });
});
after(async () => {
  await f?.close();
});

void describe("malformed GGUF files", () => {
  void it("refuses a file that is not GGUF with a 422 naming the file and the fault", async () => {
    const e = await refusal(f, "not-a-model");
    assert.equal(e.status, 422);
    assert.equal(e.code, "model_invalid");
    assert.match(e.message, /not-a-model\.gguf/);
    assert.match(e.message, /not a GGUF file/);
  });

  void it("refuses a truncated model, and says what to do", async () => {
    const e = await refusal(f, "truncated");
    assert.equal(e.status, 422);
    assert.match(e.message, /truncated\.gguf/);
    assert.match(e.message, /Replace or remove the file/);
  });

  void it("refuses a model llama.cpp would crash on (a missing architecture key) instead of dying", async () => {
    const e = await refusal(f, "no-ffn");
    assert.equal(e.status, 422);
    assert.match(e.message, /feed_forward_length/);
  });

  void it("refuses files that pass every header check but make llama.cpp abort, tried in a throwaway process", async () => {
    for (const [model, cause] of [
      ["dense-with-experts", /GGML_ASSERT\(n_expert_used_max > 0\)/],
      ["f16-norm", /unsupported types/],
    ] as const) {
      assert.deepEqual(await findLlamaProblems(join(f.dir, `${model}.gguf`)), [], `${model} should pass the header checks`);
      const e = await refusal(f, model);
      assert.equal(e.status, 422);
      assert.equal(e.code, "model_unloadable");
      assert.match(e.message, cause);
      assert.match(e.message, new RegExp(`"${model}".*replace or remove the file`));
      // Listed with its one-line reason, and refused again at once (the verdict is remembered).
      const listed = (await f.client.models.list()).data.find((m) => m.id === model) as unknown as { chorus: { unusable?: string } };
      assert.match(listed.chorus.unusable ?? "", cause);
      const t = Date.now();
      assert.equal((await refusal(f, model)).code, "model_unloadable");
      assert.ok(Date.now() - t < 1000);
    }
  });

  void it("still serves the good models afterwards, and lists all of them", async () => {
    const c = await f.client.completions.create({ model: "ts-bigram", prompt: "a", max_tokens: 4, temperature: 0 });
    assert.equal(c.choices[0]!.text.length, 4);
    const ids = (await f.client.models.list()).data.map((m) => m.id);
    assert.ok(ids.includes("ts-bigram") && ids.includes("not-a-model"));
    // A second attempt at the bad file gets the same clear answer (no half-loaded state).
    assert.equal((await refusal(f, "not-a-model")).status, 422);
  });
});
