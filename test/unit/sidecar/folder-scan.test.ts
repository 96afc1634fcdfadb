// Model folders as users fill them: a split model (llama.cpp's gguf-split naming, as Hugging Face hosts large GGUFs,
// e.g. Qwen2.5-Coder-32B-Instruct-Q8_0-00001-of-00005.gguf) is one model, reported once with what to do — never
// listed part by part as models that fail on the first request.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { findGgufFiles } from "../../../src/sidecar/registry/folder-scan";

const dir = mkdtempSync(join(tmpdir(), "chorus-folder-scan-"));
after(() => rmSync(dir, { recursive: true, force: true }));

void test("split GGUFs are one model: reported once, with the merge command or the missing parts", () => {
  const files = [
    "single.gguf",
    "qwen2.5-coder-32b-instruct-q8_0-00001-of-00002.gguf",
    "qwen2.5-coder-32b-instruct-q8_0-00002-of-00002.gguf",
    "sub/llama-3.1-70b-00001-of-00003.gguf",
    "sub/llama-3.1-70b-00003-of-00003.gguf",
  ];
  for (const f of files) {
    mkdirSync(join(dir, f, ".."), { recursive: true });
    writeFileSync(join(dir, f), "GGUF");
  }
  const { models, problems } = findGgufFiles([dir]);
  assert.deepEqual(
    models.map((m) => m.name),
    ["single"],
  );
  assert.equal(problems.length, 2, problems.join("\n"));
  assert.ok(
    problems.some((p) =>
      /Split model qwen2\.5-coder-32b-instruct-q8_0 .*\(2 files\) is not served.*llama-gguf-split --merge qwen2\.5-coder-32b-instruct-q8_0-00001-of-00002\.gguf/.test(
        p,
      ),
    ),
    problems.join("\n"),
  );
  assert.ok(
    problems.some((p) => /Split model llama-3\.1-70b .* is missing llama-3\.1-70b-00002-of-00003\.gguf: .*all 3 parts/.test(p)),
    problems.join("\n"),
  );
});
