/** FIM templates per model family: the exact sentinel layout each family was trained on. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fimTemplateByFamily, fimTemplateFor } from "../../../src/core/providers/fim-templates";

const build = (model: string): string | undefined => fimTemplateFor(model)?.build("PRE", "SUF");

void describe("fimTemplateFor", () => {
  void it("lays out each family's sentinels in its own order", () => {
    assert.equal(build("Qwen/Qwen2.5-Coder-7B"), "<|fim_prefix|>PRE<|fim_suffix|>SUF<|fim_middle|>");
    assert.equal(build("bigcode/starcoder2-3b"), "<fim_prefix>PRE<fim_suffix>SUF<fim_middle>");
    assert.equal(build("codellama/CodeLlama-7b-hf"), "<PRE> PRE <SUF>SUF <MID>");
    assert.equal(build("deepseek-ai/deepseek-coder-1.3b-base"), "<｜fim▁begin｜>PRE<｜fim▁hole｜>SUF<｜fim▁end｜>");
    assert.equal(build("codestral-latest"), "[SUFFIX]SUF[PREFIX]PRE");
  });
  void it("matches names the way servers spell them", () => {
    assert.equal(fimTemplateFor("qwen2.5-coder:1.5b")?.family, "qwen-coder");
    assert.equal(fimTemplateFor("TheBloke/CodeLlama-13B-GGUF")?.family, "codellama");
    assert.equal(fimTemplateFor("code-llama-7b")?.family, "codellama");
    assert.equal(fimTemplateFor("stable-code-3b")?.family, "starcoder");
  });
  void it("knows no template for general chat models", () => {
    for (const m of ["gpt-4o-mini", "llama3.1:8b", "mistral-7b-instruct", "qwen2.5:7b"]) assert.equal(fimTemplateFor(m), undefined, m);
  });
  void it("gives each family end tokens to stop at", () => {
    for (const f of ["qwen-coder", "starcoder", "codellama", "deepseek-coder", "codestral"]) assert.ok((fimTemplateByFamily(f)?.stop.length ?? 0) > 0, f);
    assert.equal(fimTemplateByFamily("nope"), undefined);
  });
});
