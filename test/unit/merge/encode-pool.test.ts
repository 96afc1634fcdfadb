// Encoding k-quant chunks on worker threads must not change a byte of the merged file: the same blocks, in the same
// order, whichever worker finishes first. A failed or closed pool fails its chunks instead of leaving them hanging.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { quantize } from "../../../src/sidecar/gguf/codecs/index";
import { GgmlType } from "../../../src/sidecar/gguf/types";
import { EncodePool } from "../../../src/sidecar/merge/encode-pool";
import { planFromFlags } from "../../../src/sidecar/merge/plan-from-flags";
import { runMerge } from "../../../src/sidecar/merge/run";
import { mulberry32 } from "../../../src/sidecar/random";
import { makeModel, tempDir } from "./models";

const tmp = tempDir();
after(tmp.cleanup);
const at = (name: string) => path.join(tmp.dir, name);
const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** Weight-like values: mostly small, some outliers (the k-quant search behaves differently on each). */
function values(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (r() - 0.5) * (r() < 0.02 ? 8 : 0.1));
}

void test("each chunk encoded on a worker is the bytes the calling thread writes", async () => {
  const pool = EncodePool.create(3);
  assert.ok(pool, "the worker's entry is found from the sources");
  try {
    const types = [GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q4_0, GgmlType.Q5_1];
    // Chunks of different sizes in flight at once, so workers finish out of order.
    const chunks = types.flatMap((type, i) => [values(256 * (40 - 8 * i), i), values(256, 100 + i)].map((v) => ({ type, v })));
    const expected = chunks.map(({ type, v }) => quantize(type, v));
    const got = await Promise.all(chunks.map(({ type, v }) => pool.encode(type, v.slice())));
    got.forEach((bytes, i) => assert.deepEqual(bytes, expected[i], `chunk ${i} (${GgmlType[chunks[i]!.type]})`));
  } finally {
    await pool.close();
  }
});

void test("a Q4_K_M merge writes the same file with 0, 1 and 3 encoding threads", async () => {
  const shape = { dim: 256, layers: 4, heads: 4, kvHeads: 2, ffn: 512 };
  const a = await makeModel(at("a.gguf"), { seed: 2, baseSeed: 1, shape });
  const b = await makeModel(at("b.gguf"), { seed: 3, baseSeed: 1, shape });
  const c = await makeModel(at("c.gguf"), { seed: 4, baseSeed: 1, shape });
  const files: string[] = [];
  for (const encodeThreads of [0, 1, 3]) {
    const plan = planFromFlags({ method: "ties", models: [b, c], base: a, weights: [0.5, 0.5], density: [0.6], dtype: "q4_k_m" });
    // Small chunks: many per tensor, so several are encoded at once and must still be written in order.
    // Only the bytes matter here (kquant-merge.test.ts loads such a merge in llama.cpp).
    const r = await runMerge({ plan, out: at(`merged-${encodeThreads}.gguf`), chunkValues: 4096, encodeThreads, verifyOutput: async () => undefined });
    files.push(r.path);
  }
  const [inline, ...pooled] = files.map(sha);
  for (const h of pooled) assert.equal(h, inline);
});

void test("linear and task-arithmetic merges, decoded and summed on the workers too, write the file the calling thread writes", async () => {
  // Q4_K and Q8_0 inputs: the workers decode them (the chunks go there as stored bytes), and the sums use the inputs'
  // order and float32 rounding of the main thread's weightedSum, or the hashes differ.
  const shape = { dim: 256, layers: 2, heads: 4, kvHeads: 2, ffn: 512 };
  const base = await makeModel(at("lin-base.gguf"), { seed: 5, baseSeed: 1, shape, type: GgmlType.Q8_0 });
  const x = await makeModel(at("lin-x.gguf"), { seed: 6, baseSeed: 1, shape, type: GgmlType.Q4_K });
  const y = await makeModel(at("lin-y.gguf"), { seed: 7, baseSeed: 1, shape, type: GgmlType.Q8_0 });
  const plans = {
    linear: () => planFromFlags({ method: "linear", models: [x, y], weights: [0.3, 0.7], dtype: "q4_k_m" }),
    task_arithmetic: () => planFromFlags({ method: "task_arithmetic", models: [x, y], base, weights: [0.6, 0.9], dtype: "q5_k_m" }),
  };
  for (const [name, plan] of Object.entries(plans)) {
    const hashes: string[] = [];
    for (const encodeThreads of [0, 2]) {
      const r = await runMerge({
        plan: plan(),
        out: at(`${name}-${encodeThreads}.gguf`),
        chunkValues: 4096,
        encodeThreads,
        verifyOutput: async () => undefined,
      });
      hashes.push(sha(r.path));
    }
    assert.equal(hashes[1], hashes[0], `${name}: the file with workers differs from the one without`);
  }
});

void test("a closed pool rejects the chunks still pending, and later ones", async () => {
  const pool = EncodePool.create(1)!;
  const pending = assert.rejects(pool.encode(GgmlType.Q4_K, values(256 * 2000, 7)), /closed/);
  await pool.close();
  await pending;
  await assert.rejects(pool.encode(GgmlType.Q4_K, values(256, 8)), /closed/);
});

void test("an encoding error on the worker comes back as an error naming the cause", async () => {
  const pool = EncodePool.create(1)!;
  try {
    // 100 values are not a whole Q4_K block.
    await assert.rejects(pool.encode(GgmlType.Q4_K, values(100, 9)), /encoding a chunk failed: .*whole blocks of 256/);
  } finally {
    await pool.close();
  }
});
