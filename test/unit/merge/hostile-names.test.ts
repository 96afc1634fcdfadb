// Names inside a GGUF are printed escaped and capped (issue #22, item 5). A file's tensor names and metadata keys
// are arbitrary bytes of any length (the GGUF spec stores them as a u64 length and the bytes); one built to attack
// a terminal holds ESC sequences that clear the screen or retitle the window, or a name of 100 KB. `chorus merge`
// quotes the name that does not match — escaped, and the message cut in the middle to about a thousand characters.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { quantize } from "../../../src/sidecar/gguf/codecs/index";
import { GgmlType, GgufError } from "../../../src/sidecar/gguf/types";
import { writeGguf } from "../../../src/sidecar/gguf/writer";
import { byteTokenizerMetadata } from "../../../src/sidecar/testmodels/byte-vocab";
import { llamaMetadata, llamaTensors } from "../../../src/sidecar/testmodels/llama-arch";
import { makeModel, SHAPE, tempDir } from "./models";

const tmp = tempDir();
after(tmp.cleanup);
const at = (name: string) => path.join(tmp.dir, name);
const TSX = pathToFileURL(path.resolve("node_modules/tsx/dist/loader.mjs")).href;
const HOSTILE = `\u001b]0;pwned\u0007\u001b[2J${"n".repeat(100_000)}`;

void test("chorus merge names a hostile tensor name escaped and capped, and still says what to do", async () => {
  await makeModel(at("good.gguf"), { seed: 1 });
  const tensors = llamaTensors(SHAPE, { embedding: GgmlType.F32, matrix: GgmlType.F32, output: GgmlType.F32 });
  const renamed = tensors.map((t, i) => (i === tensors.length - 1 ? { ...t, name: HOSTILE } : t));
  await writeGguf({
    out: at("bad.gguf"),
    metadata: llamaMetadata("bad", SHAPE, byteTokenizerMetadata(SHAPE.vocabSize)),
    tensors: renamed,
    data: (t) => quantize(t.type, new Float32Array(t.dims.reduce((a, b) => a * b, 1))),
  });
  const r = spawnSync(
    process.execPath,
    ["--import", TSX, path.resolve("src/cli/main.ts"), "merge", "--method", "linear", "--models", "bad.gguf,good.gguf", "--out", "out.gguf"],
    { cwd: tmp.dir, encoding: "utf8" },
  );
  assert.equal(r.status, 1);
  const message = r.stderr.trim();
  assert.doesNotMatch(message, /[\u0000-\u0009\u000b-\u001f]/, "no raw control character reaches the terminal");
  assert.match(message, /\\x1b\]0;pwned\\x07\\x1b\[2J/);
  assert.ok(message.length < 1200, `${message.length} characters`);
  assert.match(message, /characters cut/);
  assert.match(message, /different layouts$/, "the end of the message (what is wrong) survives the cut");
});

void test("every GGUF error is escaped and capped, whichever part of the reader raised it", () => {
  const e = new GgufError(`tensor ${HOSTILE} has unknown ggml type 99`, "model.gguf");
  assert.doesNotMatch(e.message, /[\u0000-\u001f]/);
  assert.ok(e.message.length < 1100, `${e.message.length}`);
  assert.match(e.message, /^model\.gguf: tensor \\x1b\]0;pwned\\x07\\x1b\[2Jn+ …\(\d+ characters cut\)… n+ has unknown ggml type 99$/);
});
