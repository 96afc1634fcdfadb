// GGUF LoRA adapters attached at load time (chorus.sidecar.adapters), served by real llama.cpp over the HTTP API.
// The base is a bigram model (logits = output.weight's column for the previous token) and the adapters target
// output.weight, so the adapted log-probabilities are known in closed form: log-softmax of
// row(prev) + Σ scale·(alpha/rank)·ΔW[·][prev]. A malformed adapter is refused with a 422 and the sidecar serves on.

import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { meta } from "../../../src/sidecar/gguf/metadata";
import { parseAdaptedModels, parseAdapterFlag } from "../../../src/sidecar/registry/adapters";
import { parseLaunchConfig } from "../../../src/sidecar/server/config";
import { sidecarLaunchSettings } from "../../../src/vscode/sidecar-settings";
import { readGgufHeader } from "../../../src/sidecar/gguf/reader";
import { seededNormals } from "../../../src/sidecar/testmodels/random";
import { loraDelta, tokenBoostTarget, writeLoraAdapter, type LoraTarget } from "../../../src/sidecar/testmodels/lora";
import { bytesOf, type Fixture, refusal, startFixture } from "./helpers";

const adapterDir = mkdtempSync(join(tmpdir(), "chorus-lora-"));
const at = (name: string) => join(adapterDir, name);
const Z = "Z".charCodeAt(0);

/** Each served adapted model as (target, alpha, scale) terms, for the closed form. */
interface Term {
  target: LoraTarget;
  alpha: number;
  scale: number;
}
const terms: Record<string, Term[]> = {};
let boost: LoraTarget;
let mix: LoraTarget;

/** Rank 2, seeded values on printable ASCII only, so the argmax stays a byte a prompt can show. */
function mixTarget(dim: number, vocab: number): LoraTarget {
  const rnd = seededNormals(7);
  const a = new Float32Array(2 * dim).map(() => rnd() * 0.5);
  const b = new Float32Array(vocab * 2);
  for (let v = 32; v < 127; v++) for (let j = 0; j < 2; j++) b[v * 2 + j] = rnd() * 0.5;
  return { tensor: "output.weight", inDim: dim, outDim: vocab, rank: 2, a, b };
}

let f: Fixture;
before(async () => {
  f = await startFixture(
    {
      adapters: {
        "ts-boost": { base: "ts-bigram", adapters: [{ path: at("boost.gguf"), scale: 0.5 }] },
        "ts-mix": {
          base: "ts-bigram",
          adapters: [
            { path: at("boost.gguf"), scale: 0.05 },
            { path: at("mix.gguf"), scale: 1.5 },
          ],
        },
        "ts-zero": { base: "ts-bigram", adapters: [{ path: at("boost.gguf"), scale: 0 }] },
        "ts-model-as-adapter": { base: "ts-bigram", adapters: [{ path: at("a-model.gguf") }] },
        "ts-wrong-size": { base: "ts-bigram", adapters: [{ path: at("wrong-size.gguf") }] },
        "ts-f64-alpha": { base: "ts-bigram", adapters: [{ path: at("f64-alpha.gguf") }] },
        "ts-missing": { base: "ts-bigram", adapters: [{ path: at("does-not-exist.gguf") }] },
        "no-base": { base: "not-a-model", adapters: [{ path: at("boost.gguf") }] },
      },
    },
    async (dir) => {
      const [dim = 0, vocab = 0] = (await readGgufHeader(join(dir, "ts-bigram.gguf"))).tensors.find((t) => t.name === "output.weight")!.dims;
      boost = tokenBoostTarget({ dim, vocabSize: vocab }, Z, 10);
      mix = mixTarget(dim, vocab);
      await writeLoraAdapter({ out: at("boost.gguf"), alpha: 2, targets: [boost] });
      await writeLoraAdapter({ out: at("mix.gguf"), alpha: 1, targets: [mix] });
      copyFileSync(join(dir, "py-bigram.gguf"), at("a-model.gguf"));
      await writeLoraAdapter({ out: at("wrong-size.gguf"), alpha: 1, targets: [tokenBoostTarget({ dim, vocabSize: vocab + 8 }, Z, 1)] });
      // llama.cpp asserts (ends the process) on a non-float32 alpha: the sidecar must refuse it first.
      await writeLoraAdapter({ out: at("f64-alpha.gguf"), alpha: 1, targets: [boost], editMetadata: (m) => m.set("adapter.lora.alpha", meta.f64(1)) });
      terms["ts-boost"] = [{ target: boost, alpha: 2, scale: 0.5 }];
      terms["ts-mix"] = [
        { target: boost, alpha: 2, scale: 0.05 },
        { target: mix, alpha: 1, scale: 1.5 },
      ];
    },
  );
});
after(async () => {
  await f?.close();
  rmSync(adapterDir, { recursive: true, force: true });
});

/** log P(· | prev) of the adapted model: the base row plus each adapter's scaled ΔW column, renormalised. */
function adaptedLogProbs(model: string, prev: number): Float64Array {
  const row = Float64Array.from(f.ts.table.row(prev));
  for (const t of terms[model] ?? []) {
    const k = f.ts.table.rowOf(prev);
    for (let v = 0; v < row.length; v++) row[v]! += t.scale * (t.alpha / t.target.rank) * loraDelta(t.target, v, k);
  }
  const max = Math.max(...row);
  const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
  return row.map((x) => x - lse);
}

function argmaxByte(row: Float64Array): number {
  let best = 0;
  for (let v = 1; v < 256; v++) if (row[v]! > row[best]!) best = v;
  return best;
}

async function completion(model: string, prompt: string, n: number) {
  const c = await f.client.completions.create({ model, prompt, max_tokens: n, temperature: 0, logprobs: 4 });
  return c.choices[0]!;
}

/** Greedy tokens and every logprob agree with the closed form of `model`, step by step. */
async function assertClosedForm(model: string, prompt: string, n: number): Promise<string> {
  const choice = await completion(model, prompt, n);
  const lp = choice.logprobs!;
  let prev = bytesOf(prompt).at(-1)!;
  const expected: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = adaptedLogProbs(model, prev);
    const tok = argmaxByte(row);
    expected.push(tok);
    assert.ok(Math.abs(lp.token_logprobs![i]! - row[tok]!) < 2e-3, `${model} step ${i}: ${lp.token_logprobs![i]} vs ${row[tok]}`);
    const top = Object.entries(lp.top_logprobs![i]!);
    assert.equal(top.length, 4);
    for (const [text, value] of top)
      assert.ok(Math.abs(value - row[text.charCodeAt(0)]!) < 2e-3, `${model} step ${i} ${JSON.stringify(text)}: ${value} vs ${row[text.charCodeAt(0)]}`);
    prev = tok;
  }
  assert.equal(choice.text, Buffer.from(expected).toString("latin1"));
  return choice.text;
}

void describe("LoRA adapters attached at load time", () => {
  void it("lists each adapted model as its own model with its base and adapters, and reports a missing base", async () => {
    const res = await fetch(`${f.sidecar.url}/v1/models`, { headers: { authorization: `Bearer ${f.token}` } });
    type Listed = { id: string; chorus: { source?: string; base?: string; adapters?: { path: string; scale: number }[] } };
    const list = (await res.json()) as { data: Listed[]; chorus: { problems: string[] } };
    const boosted = list.data.find((m) => m.id === "ts-boost");
    assert.equal(boosted?.chorus.source, "adapted");
    assert.equal(boosted.chorus.base, "ts-bigram");
    assert.deepEqual(boosted.chorus.adapters, [{ path: at("boost.gguf"), scale: 0.5 }]);
    assert.ok(
      list.data.some((m) => m.id === "ts-f64-alpha"),
      "a bad adapter is only found out when its model is loaded",
    );
    assert.ok(!list.data.some((m) => m.id === "no-base"));
    assert.ok(
      list.chorus.problems.some((p) => /no-base.*"not-a-model" was not found/.test(p)),
      JSON.stringify(list.chorus.problems),
    );
  });

  void it("a rank-1 adapter at scale 0.5 shifts the boosted token by scale·alpha/rank·10 = 10 nats, as llama.cpp computes it", async () => {
    const text = await assertClosedForm("ts-boost", "return ", 4);
    assert.equal(text, "ZZZZ"); // +10 nats on "Z" after every byte outweighs anything the corpus taught
    const base = await completion("ts-bigram", "return ", 4);
    assert.notEqual(base.text, text);
  });

  void it("two adapters with their own scales add up: W + 0.05·(2/1)·ΔW_boost + 1.5·(1/2)·ΔW_mix", async () => {
    const text = await assertClosedForm("ts-mix", "const ", 8);
    assert.notEqual(text, (await completion("ts-bigram", "const ", 8)).text, "the mix changes the greedy text (else the test shows nothing)");
  });

  void it("scale 0 gives exactly the base model's log-probabilities", async () => {
    const zero = await completion("ts-zero", "function ", 6);
    const base = await completion("ts-bigram", "function ", 6);
    assert.equal(zero.text, base.text);
    for (let i = 0; i < 6; i++) {
      assert.ok(Math.abs(zero.logprobs!.token_logprobs![i]! - base.logprobs!.token_logprobs![i]!) < 1e-5);
      assert.deepEqual(Object.keys(zero.logprobs!.top_logprobs![i]!), Object.keys(base.logprobs!.top_logprobs![i]!));
    }
  });

  void it("refuses malformed adapters with a 422 naming the file and the fault, before llama.cpp sees them", async () => {
    const cases: [string, RegExp][] = [
      ["ts-model-as-adapter", /a-model\.gguf.*general\.type.*not "adapter"/s],
      ["ts-wrong-size", /wrong-size\.gguf.*output\.weight is \[\d+, 258\].*another model size/s],
      ["ts-f64-alpha", /f64-alpha\.gguf.*adapter\.lora\.alpha must be a float32/s],
      ["ts-missing", /does-not-exist\.gguf/],
    ];
    for (const [model, message] of cases) {
      const e = await refusal(f, model);
      assert.equal(e.status, 422, model);
      assert.equal(e.code, "adapter_invalid", model);
      assert.match(e.message, message);
      assert.match(e.message, /chorus\.sidecar\.adapters/);
    }
  });

  void it("still serves the base and the good adapted models after the refusals", async () => {
    assert.equal((await completion("ts-boost", "x", 2)).text, "ZZ");
    assert.equal((await completion("ts-bigram", "return ", 3)).text.length, 3);
    assert.equal((await refusal(f, "ts-f64-alpha")).status, 422);
  });
});

void describe("chorus.sidecar.adapters and chorus serve --adapter", () => {
  void it("travels from the setting to the sidecar's launch config unchanged", () => {
    const setting = { tuned: { base: "qwen2.5-coder:7b", adapters: [{ path: "/a/lora.gguf", scale: 0.5 }] } };
    const source = { get: <T>(key: string) => (key === "chorus.sidecar.adapters" ? (setting as T) : undefined) };
    const launch = sidecarLaunchSettings(source, { globalStorage: "/tmp/none", extensionRoot: "/tmp/none" });
    assert.deepEqual(launch.config.adapters, setting);
    assert.deepEqual(parseLaunchConfig(JSON.parse(JSON.stringify(launch.config)), 2).config.adapters, setting);
  });

  void it("keeps good entries and names each broken one", () => {
    const { models, problems } = parseAdaptedModels({
      good: { base: "m", adapters: [{ path: "/x.gguf" }, { path: "/y.gguf", scale: -0.5 }] },
      "no base": { adapters: [] },
      nobase: { adapters: [{ path: "/x.gguf" }] },
      empty: { base: "m", adapters: [] },
      "chorus/x": { base: "m", adapters: [{ path: "/x.gguf" }] },
      badscale: { base: "m", adapters: [{ path: "/x.gguf", scale: "high" }] },
    });
    assert.deepEqual(models, [
      {
        name: "good",
        base: "m",
        adapters: [
          { path: "/x.gguf", scale: 1 },
          { path: "/y.gguf", scale: -0.5 },
        ],
      },
    ]);
    assert.equal(problems.length, 5);
    assert.match(problems.join("\n"), /"chorus\/x" starts with "chorus\/"/);
    assert.match(problems.join("\n"), /"no base" may use only/);
    assert.match(problems.join("\n"), /nobase\.base must name/);
    assert.match(problems.join("\n"), /empty\.adapters must be a non-empty list/);
    assert.match(problems.join("\n"), /badscale\.adapters\[0\]\.scale must be a number/);
    assert.equal(parseAdaptedModels([1, 2]).problems.length, 1);
  });

  void it("parses --adapter NAME=BASE,PATH@SCALE,… with colons in names and paths, and rejects malformed flags", () => {
    assert.deepEqual(parseAdapterFlag("tuned=qwen2.5-coder:7b,C:\\loras\\a.gguf@0.5,/b.gguf"), [
      "tuned",
      {
        base: "qwen2.5-coder:7b",
        adapters: [
          { path: "C:\\loras\\a.gguf", scale: 0.5 },
          { path: "/b.gguf", scale: 1 },
        ],
      },
    ]);
    assert.deepEqual(parseAdapterFlag("x=m,/a@b.gguf@-2e-1")[1].adapters, [{ path: "/a@b.gguf", scale: -0.2 }]);
    for (const bad of ["tuned", "=m,/a.gguf", "tuned=m", "tuned=m,@0.5"]) assert.throws(() => parseAdapterFlag(bad), /--adapter expects NAME=BASE,PATH/, bad);
  });
});
