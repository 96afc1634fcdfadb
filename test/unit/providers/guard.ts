/**
 * Test helper: fails the file if any promise rejection goes unhandled while it runs. A provider that leaves a
 * rejected promise behind (a dropped socket nobody awaited) would crash VS Code's extension host log with noise
 * or, under --unhandled-rejections=throw, the whole host.
 */
import assert from "node:assert/strict";
import { after } from "node:test";

export function failOnUnhandledRejections(): void {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    seen.push(reason);
  };
  process.on("unhandledRejection", onRejection);
  after(async () => {
    // Give late rejections (from sockets closing after a test) a moment to surface.
    await new Promise((r) => setTimeout(r, 50));
    process.off("unhandledRejection", onRejection);
    assert.deepEqual(seen, [], `unhandled rejections: ${seen.map(String).join("; ")}`);
  });
}

/** Drain a stream, returning the error it rejected with (or failing if it did not). */
export async function streamError(stream: AsyncIterable<unknown>): Promise<unknown> {
  try {
    for await (const _ of stream) {
      /* drain */
    }
  } catch (e) {
    return e;
  }
  assert.fail("the stream ended without an error");
}
