// The router's optional embedding features: used for Ask when a model tagged "embedding" is configured, skipped
// when none is, never fatal when the embedding call fails, and never on the completion path.
import assert from "node:assert/strict";
import { test } from "node:test";
import { routerFeatures } from "../../../src/core/collab/api/features";
import { describeFeature } from "../../../src/core/collab/api/router";
import { fakeEmbedding } from "../../fixtures/net/fake-common";
import { modelRequests, startRig } from "./setup";

const signal = (): AbortSignal => new AbortController().signal;
const embedModel = (url: string) => ({ id: "emb", provider: "ollama" as const, endpoint: url, model: "coder:1b", tags: ["local", "embedding"] });

void test("features: an embedding is scaled to unit length and named by the model that made it", () => {
  const f = routerFeatures({ text: "why?", surface: "ask", embedding: [3, 4], embeddingModel: "m" });
  const at = (n: string): number | undefined => f.val[f.name.indexOf(n)];
  assert.equal(at("emb:m:0"), 0.6);
  assert.equal(at("emb:m:1"), 0.8);
  assert.ok(!routerFeatures({ text: "why?", surface: "ask" }).name.some((n) => n.startsWith("emb:")), "no embedding, no such features");
  assert.match(describeFeature("emb:m:1"), /embedding dimension 1/);
});

void test("route: with an embedding model configured, Ask embeds the question and the router learns from the vector", async () => {
  const rig = await startRig({ extraModels: (local) => [embedModel(local.url)] });
  try {
    const q = "rename x?";
    const out = await rig.engine.ask(q, { filePath: "/p/a.ts", modeId: "route" }, signal());
    assert.equal(out.decision.model, "small", "the embedding model is not a tier: the cheap chat model answers");
    const embeds = modelRequests(rig.local).filter((r) => r.path === "/api/embed");
    assert.equal(embeds.length, 1);
    assert.deepEqual(embeds[0]?.body?.input, [q]);
    const id = out.feedbackId;
    assert.ok(id);
    assert.equal(rig.collab.feedback(id, { kind: "rejected" }), true);
    // The learned weights moved on the embedding's dimensions: the same text scores differently with and without it.
    const base = { text: q, surface: "ask" as const, filePath: "/p/a.ts" };
    const withEmb = rig.collab.router.score({ ...base, embedding: fakeEmbedding(q), embeddingModel: "emb" }).learned;
    assert.notEqual(withEmb, rig.collab.router.score(base).learned);
    // Completions never wait for an embedding.
    await rig.engine.complete(
      { prefix: "const a = ", suffix: "", languageId: "typescript", filePath: "/p/a.ts", atLineEnd: true, multiline: false },
      signal(),
      "route",
    );
    assert.equal(modelRequests(rig.local).filter((r) => r.path === "/api/embed").length, 1);
  } finally {
    await rig.close();
  }
});

void test("route: a failing embedding model only loses the semantic features; Ask still routes and answers", async () => {
  const rig = await startRig({ extraModels: (local) => [{ ...embedModel(local.url), model: "missing-embedder" }] });
  try {
    const out = await rig.engine.ask("rename x?", { filePath: "/p/a.ts", modeId: "route" }, signal());
    assert.equal(out.decision.model, "small");
    assert.match(out.text, /local says/);
    assert.equal(modelRequests(rig.local).filter((r) => r.path === "/api/embed").length, 1, "the embedding was asked for and failed");
  } finally {
    await rig.close();
  }
});
