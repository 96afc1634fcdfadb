// Chunked merges start each chunk's random stream part-way: that must be exactly where the whole tensor's stream
// would be.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mulberry32, mulberry32From } from "../../../src/sidecar/random";
import { tensorRng } from "../../../src/sidecar/merge/rng";

void test("a stream started after n draws continues exactly as the stream drawn n times", () => {
  for (const seed of [0, 1, 0xdeadbeef, 2 ** 32 - 1]) {
    const whole = mulberry32(seed);
    const drawn = Array.from({ length: 5000 }, () => whole());
    for (const n of [0, 1, 7, 1000, 4321]) {
      const later = mulberry32From(seed, n);
      assert.deepEqual(
        Array.from({ length: 50 }, () => later()),
        drawn.slice(n, n + 50),
        `seed ${seed}, skip ${n}`,
      );
    }
  }
});

void test("tensorRng with a skip is the tensor's stream from that value on, and differs per tensor and model", () => {
  const whole = tensorRng(5, "blk.0.ffn_up.weight", 1);
  const drawn = Array.from({ length: 300 }, () => whole());
  const chunk = tensorRng(5, "blk.0.ffn_up.weight", 1, 200);
  assert.deepEqual(
    Array.from({ length: 100 }, () => chunk()),
    drawn.slice(200),
  );
  assert.notEqual(tensorRng(5, "blk.0.ffn_up.weight", 0)(), drawn[0]);
  assert.notEqual(tensorRng(5, "blk.1.ffn_up.weight", 1)(), drawn[0]);
  assert.notEqual(tensorRng(6, "blk.0.ffn_up.weight", 1)(), drawn[0]);
});
