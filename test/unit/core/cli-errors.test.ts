// What the CLI prints for Node's system errors: words a user can act on, with the path or port they concern.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { cliErrorMessage } from "../../../src/cli/error-message";

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

void test("real system errors become sentences that keep the path and the code", () => {
  const dir = mkdtempSync(join(tmpdir(), "chorus-cli-errors-"));
  assert.equal(cliErrorMessage(thrown(() => readFileSync(join(dir, "gone.txt")))), `no such file or folder: ${join(dir, "gone.txt")} (ENOENT)`);
  // Reading a folder fails with no path in Node's error: the message still says what went wrong.
  assert.equal(cliErrorMessage(thrown(() => readFileSync(dir))), "a folder was given where a file was expected (EISDIR)");
  assert.equal(
    cliErrorMessage(thrown(() => mkdtempSync(join(dir, "missing", "x-")))),
    `the folder for ${join(dir, "missing", "x-")}XXXXXX does not exist (ENOENT)`,
  );
});

void test("a port in use says which and what to do; other errors pass through unchanged", async () => {
  const first = createServer();
  await new Promise<void>((r) => first.listen(0, "127.0.0.1", r));
  const port = (first.address() as { port: number }).port;
  const second = createServer();
  const error = await new Promise<unknown>((r) => second.once("error", r).listen(port, "127.0.0.1"));
  first.close();
  assert.equal(cliErrorMessage(error), `port ${port} on 127.0.0.1 is already in use: choose another with --port, or stop what is using it (EADDRINUSE)`);
  assert.equal(cliErrorMessage(new Error("--out is required")), "--out is required");
  assert.equal(cliErrorMessage("plain"), "plain");
});
