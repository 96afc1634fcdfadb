import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import type { Token } from "node-llama-cpp";
import { GgufReader } from "../../../src/sidecar/gguf/reader";
import { findLlamaProblems } from "../../../src/sidecar/gguf/validate";
import { BOS_ID } from "../../../src/sidecar/testmodels/byte-vocab";
import { makeRandomModel } from "../../../src/sidecar/testmodels/random";
import { makeTestModels, TEST_MODEL_CONTEXT, type TestModelManifest } from "../../../src/sidecar/testmodels/suite";
import { getNumber } from "../../../src/sidecar/gguf/metadata";
import { maxAbsDiff, nextLogits, withModel } from "./llama-harness";
import { tempDir } from "./helpers";

const dir = tempDir("testmodels");

void describe("makeTestModels (chorus make-test-models)", () => {
  let manifest: TestModelManifest;
  before(async () => {
    manifest = await makeTestModels({ outDir: dir });
  });

  void it("writes every listed model and a models.json that describes them", async () => {
    const ids = manifest.models.map((m) => m.id);
    for (const id of ["ts-expert", "py-expert", "general", "weak", "random-small"]) assert.ok(ids.includes(id), `${id} is listed`);
    const onDisk = JSON.parse(readFileSync(join(dir, "models.json"), "utf8")) as TestModelManifest;
    assert.deepEqual(onDisk.models, manifest.models);
    for (const m of manifest.models) {
      assert.ok(existsSync(join(dir, m.file)));
      assert.deepEqual(await findLlamaProblems(join(dir, m.file)), [], `${m.file} passes the llama.cpp validator`);
      const r = await GgufReader.open(join(dir, m.file));
      try {
        assert.equal(r.header.fileSize, m.bytes);
        assert.equal(r.requireTensor("output.weight").dims[1], m.vocabSize);
        assert.equal(r.requireTensor("token_embd.weight").dims[0], m.dim);
        // Byte tokens: a review prompt for a short file is ~2000 of them, so the models declare room for more.
        assert.equal(getNumber(r.metadata, "llama.context_length"), m.contextLength);
        assert.equal(m.contextLength, TEST_MODEL_CONTEXT);
      } finally {
        await r.close();
      }
    }
  });

  void it("makes experts that are better on their own language, and a weak model worse than the general one", () => {
    const ce = (id: string, lang: string): number => {
      const v = manifest.models.find((m) => m.id === id)?.heldoutBitsPerByte?.[lang];
      assert.ok(typeof v === "number" && v > 0, `${id} has a held-out figure for ${lang}`);
      return v;
    };
    assert.ok(ce("ts-expert", "typescript") < ce("py-expert", "typescript"));
    assert.ok(ce("py-expert", "python") < ce("ts-expert", "python"));
    assert.ok(ce("weak", "typescript") > ce("general", "typescript"));
    assert.ok(ce("weak", "python") > ce("general", "python"));
  });
});

void describe("random-weight models", () => {
  void it("are reproducible from the seed and differ between seeds", async () => {
    const a = await makeRandomModel({ out: join(dir, "r1.gguf"), seed: 7 });
    const b = await makeRandomModel({ out: join(dir, "r2.gguf"), seed: 7 });
    const c = await makeRandomModel({ out: join(dir, "r3.gguf"), seed: 8 });
    assert.deepEqual(readFileSync(a.path), readFileSync(b.path));
    assert.notDeepEqual(readFileSync(a.path), readFileSync(c.path));
  });

  void it("run real attention in llama.cpp: history matters, and incremental (KV-cached) evaluation agrees", async () => {
    const m = await makeRandomModel({ out: join(dir, "attn.gguf"), seed: 3, layers: 3 });
    await withModel(m.path, async (model) => {
      const [x, y] = await nextLogits(model, [
        [BOS_ID, ...Buffer.from("let a = 1;")],
        [BOS_ID, ...Buffer.from("def b():;")],
      ]);
      assert.ok(maxAbsDiff(x!, y!) > 1e-2, "same last token, different history: different logits");

      const context = await model.createContext({ contextSize: 128, threads: 1 });
      try {
        const seq = context.getSequence();
        const prompt = [BOS_ID, ...Buffer.from("let a = 1;")];
        await seq.controlledEvaluate(prompt.slice(0, 4) as Token[]);
        const rest = prompt.slice(4).map((t, i, all) => (i === all.length - 1 ? ([t, { generateNext: { logits: true } }] as const) : t));
        const out = await seq.controlledEvaluate(rest as Parameters<typeof seq.controlledEvaluate>[0]);
        const logits = out[out.length - 1]?.next.logits;
        assert.ok(logits);
        const incremental = Float64Array.from({ length: logits.size }, (_, i) => logits.get(i as never) ?? NaN);
        assert.ok(maxAbsDiff(incremental, x!) < 1e-3, "prefix then rest = all at once");

        // Greedy generation produces in-vocabulary tokens.
        await seq.clearHistory();
        const generated: number[] = [];
        let next: number = BOS_ID;
        for (let i = 0; i < 8; i++) {
          const res = await seq.controlledEvaluate([[next as Token, { generateNext: { token: true } }]]);
          const tok = res[0]?.next.token;
          assert.ok(typeof tok === "number" && tok >= 0 && tok < m.shape.vocabSize);
          generated.push(tok);
          next = tok;
        }
        assert.equal(generated.length, 8);
      } finally {
        await context.dispose();
      }
    });
  });
});

void describe("chorus make-test-models (the CLI)", () => {
  const cli = (...args: string[]): ReturnType<typeof spawnSync> =>
    spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "make-test-models", ...args], { encoding: "utf8", timeout: 60_000 });

  void it("writes the models and prints models.json with --json", () => {
    const out = join(dir, "cli-models");
    const r = cli("--out", out, "--json");
    assert.equal(r.status, 0, String(r.stderr));
    const manifest = JSON.parse(String(r.stdout)) as TestModelManifest;
    assert.deepEqual(
      manifest.models.map((m) => m.id),
      ["ts-expert", "py-expert", "general", "weak", "random-small"],
    );
    for (const m of manifest.models) assert.ok(existsSync(join(out, m.file)));
  });

  void it("says what is wrong with a bad --corpora or --out, without a stack trace", () => {
    const bad = cli("--out", join(dir, "cli-bad"), "--corpora", join(dir, "no-such-corpora"));
    assert.equal(bad.status, 1);
    assert.match(String(bad.stderr), /chorus: the corpora folder .*no-such-corpora must contain typescript\/ and python\//);
    assert.doesNotMatch(String(bad.stderr), /\n\s+at /);
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    const notDir = cli("--out", file);
    assert.equal(notDir.status, 1);
    assert.match(String(notDir.stderr), /--out .*a-file exists and is not a folder/);
  });
});
