// The demo set: the trained models shipped in models/demo and the presets over them. A missing model file is named
// with how to restore it (the demo must not serve presets over models it does not have).
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { checkDemoModels, DEMO_MODEL_NAMES, demoPresets } from "../../../src/sidecar/demo";

void test("the product of the two experts is normalised (weights ½,½) and its description says what the weights do", () => {
  const poe = demoPresets().find((p) => p.name === "poe-ts-py");
  assert.ok(poe && poe.spec.strategy === "product");
  assert.deepEqual(
    poe.spec.models.map((m) => m.weight),
    [0.5, 0.5],
  );
  assert.match(poe.description ?? "", /½ each.*over-sharpen/);
});

void test("proxy-tuning applies the tiny model's TypeScript tuning to the general model", () => {
  const proxy = demoPresets().find((p) => p.name === "proxy-tuning-ts");
  assert.deepEqual(proxy?.spec, { strategy: "proxy-tuning", large: "general", tuned: "weak-ts", untuned: "weak", alpha: 1, topK: 40 });
});

void test("every preset uses only the shipped demo models", () => {
  const shipped = new Set<string>(DEMO_MODEL_NAMES);
  for (const p of demoPresets()) {
    const used = JSON.stringify(p.spec).match(/"(general|ts-expert|py-expert|weak-ts|weak|[a-z-]+expert)"/g) ?? [];
    for (const u of used) assert.ok(shipped.has(u.replace(/"/g, "")), `${p.name} uses ${u}`);
  }
});

void test("a demo folder with a missing model is refused, naming the files and how to restore them", () => {
  const dir = mkdtempSync(join(tmpdir(), "chorus-demo-"));
  for (const name of DEMO_MODEL_NAMES.filter((n) => n !== "weak-ts")) writeFileSync(join(dir, `${name}.gguf`), "");
  assert.throws(() => checkDemoModels(dir), /weak-ts\.gguf are missing from .*git checkout -- models\/demo/);
  writeFileSync(join(dir, "weak-ts.gguf"), "");
  assert.equal(checkDemoModels(dir), dir);
});
