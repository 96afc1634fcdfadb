// The libuv pool size a model process starts with: one thread per core from 2 to 4, unless the user chose one.
import assert from "node:assert/strict";
import { test } from "node:test";
import { threadPoolSize, threadPoolSizeFor } from "../../../src/sidecar/thread-pool";

void test("the pool gets one thread per core, at least 2 and at most libuv's default of 4", () => {
  assert.deepEqual([1, 2, 3, 4, 16].map(threadPoolSizeFor), [2, 2, 3, 4, 4]);
});

void test("a UV_THREADPOOL_SIZE the user set is kept; an unusable one is replaced", () => {
  assert.equal(threadPoolSize({ UV_THREADPOOL_SIZE: "8" }, 2), "8");
  assert.equal(threadPoolSize({}, 2), "2");
  assert.equal(threadPoolSize({ UV_THREADPOOL_SIZE: "lots" }, 3), "3");
  assert.equal(threadPoolSize({ UV_THREADPOOL_SIZE: "0" }, 8), "4");
});
