// The kernel on the worker thread must write what it writes on the calling thread, for chunks in several slots
// at once, and a closed worker must fail its pending sums rather than leave them hanging.
import { test } from "node:test";
import assert from "node:assert/strict";
import { F16SumWorker } from "../../../src/sidecar/merge/f16-sum-worker";
import { F16SumArena } from "../../../src/sidecar/merge/f16-weighted-sum";
import { mulberry32 } from "../../../src/sidecar/random";

/** Random halves (every bit pattern, specials included) in each input of each slot. */
function fill(arena: F16SumArena, bytes: number, seed: number): void {
  const r = mulberry32(seed);
  for (let slot = 0; slot < arena.slots; slot++)
    for (let i = 0; i < arena.inputs; i++) {
      const view = arena.inputView(slot, i, bytes);
      for (let j = 0; j < bytes; j++) view[j] = (r() * 256) & 0xff;
    }
}

void test("sums on the worker equal sums on the calling thread, several slots in flight", async () => {
  // 300 001 halves: above the size the worker takes, and not a multiple of the kernel's step.
  const bytes = 600_002;
  for (const coefficients of [
    [0.3, 0.7],
    [0.2, -1.1, 0.5],
  ]) {
    const arena = new F16SumArena(coefficients.length, 3);
    arena.reserve(bytes);
    fill(arena, bytes, coefficients.length);
    const expected = [0, 1, 2].map((slot) => arena.sum(slot, bytes, coefficients).slice());
    for (let slot = 0; slot < 3; slot++) arena.outputView(slot, bytes).fill(0);
    const worker = new F16SumWorker(arena);
    try {
      const outs = await Promise.all([0, 1, 2].map((slot) => worker.sum(slot, bytes, coefficients)));
      outs.forEach((out, slot) => assert.deepEqual(out, expected[slot], `${coefficients.length} inputs, slot ${slot}`));
    } finally {
      await worker.close();
    }
  }
});

void test("closing the worker rejects the sums still pending, and later sums", async () => {
  const bytes = 4 << 20;
  const arena = new F16SumArena(2, 1);
  arena.reserve(bytes);
  const worker = new F16SumWorker(arena);
  const pending = assert.rejects(worker.sum(0, bytes, [0.5, 0.5]), /closed/);
  await worker.close();
  await pending;
  await assert.rejects(worker.sum(0, bytes, [0.5, 0.5]), /closed/);
});
