// The cascade when its cheap model gives no logprobs: DeepSeek's reasoner (documented: "setting logprobs,
// top_logprobs will trigger an error"), or a Gemini model that refuses them only when asked ("Logprobs is not
// enabled for models/…", in the list-wrapped body of Gemini's OpenAI layer). The logprob rule cannot judge such an
// answer — without a stand-in, every cheap answer would be kept — so the verifier judges instead, and says so.
import assert from "node:assert/strict";
import { test } from "node:test";
import { rulesFor } from "../../../src/core/collab/api/cascade";
import { startFakeOpenAI, type FakeServer } from "../../fixtures/fake-openai";
import { startRig } from "./setup";

const signal = (): AbortSignal => new AbortController().signal;

async function cascadeWith(cheapName: string, fake: FakeServer, verdict: { now: string }): Promise<void> {
  const rig = await startRig({
    cloudReply: () => "strong answer",
    // The verifier is the next cheap model (the local one), as cascade-mode.ts picks it.
    localReply: (r) => (r.prompt.includes("Reply Yes or No") ? verdict.now : "local answer"),
    extraModels: () => [{ id: "cheap-cloud", provider: "openai", endpoint: fake.url, model: cheapName, tags: ["cloud", "cheap"], priceIn: 0.1, priceOut: 0.2 }],
    collab: { cascadeRules: { completion: ["logprob"], ask: ["logprob"] }, cheapModel: "cheap-cloud", cascadeThreshold: 0.5 },
  });
  try {
    verdict.now = "Yes";
    const kept = await rig.engine.ask("What does x++ do?", { code: "x++", modeId: "cascade" }, signal());
    assert.equal(kept.text, "cheap answer");
    assert.equal(kept.decision.action, "kept");
    assert.match(kept.decision.reason, new RegExp(`^cheap-cloud gives no logprobs, so the verify rule judged instead; all rules confident \\(verify`));
    verdict.now = "No";
    const esc = await rig.engine.ask("What does x++ do?", { code: "x++", modeId: "cascade" }, signal());
    assert.equal(esc.decision.action, "escalated", "a wrong cheap answer no longer stands just because no rule could judge it");
    assert.equal(esc.text, "strong answer");
    assert.match(esc.decision.reason, /verify: verifier says yes with p=0\.00 \(below 0\.50\)/);
  } finally {
    await rig.close();
  }
}

void test("cascade with DeepSeek's reasoner as the cheap model: never asks it for logprobs, verifies instead", async () => {
  const verdict = { now: "Yes" };
  const fake = await startFakeOpenAI({
    models: ["deepseek-reasoner"],
    refuseLogprobs: { models: ["deepseek-reasoner"], style: "deepseek" },
    reply: (r) => (r.prompt.includes("Reply Yes or No") ? verdict.now : "cheap answer"),
  });
  try {
    await cascadeWith("deepseek-reasoner", fake, verdict);
    assert.ok(
      fake.requests.every((r) => r.body?.logprobs === undefined),
      "known by name: logprobs never sent",
    );
  } finally {
    await fake.close();
  }
});

void test("cascade with a Gemini model that refuses logprobs: learns it on the first answer, verifies instead", async () => {
  const verdict = { now: "Yes" };
  const fake = await startFakeOpenAI({
    models: ["gemini-2.5-flash"],
    refuseLogprobs: { models: ["gemini-2.5-flash"], style: "gemini" },
    reply: (r) => (r.prompt.includes("Reply Yes or No") ? verdict.now : "cheap answer"),
  });
  try {
    await cascadeWith("gemini-2.5-flash", fake, verdict);
    assert.equal(fake.requests.filter((r) => r.body?.logprobs !== undefined).length, 1, "asked once, refused, never asked again");
  } finally {
    await fake.close();
  }
});

void test("rulesFor: a stand-in only where the logprob rule cannot judge, and never a rule twice", () => {
  assert.deepEqual(rulesFor(["logprob", "learned"], true, "m"), { rules: ["logprob", "learned"] });
  assert.deepEqual(rulesFor(["verify", "learned"], false, "m"), { rules: ["verify", "learned"] });
  assert.deepEqual(rulesFor(["logprob", "learned"], false, "m"), {
    rules: ["verify", "learned"],
    note: "m gives no logprobs, so the verify rule judged instead",
  });
  assert.deepEqual(rulesFor(["logprob", "verify"], false, "m"), {
    rules: ["agreement", "verify"],
    note: "m gives no logprobs, so the agreement rule judged instead",
  });
  assert.deepEqual(rulesFor(["logprob", "verify", "agreement"], false, "m"), {
    rules: ["verify", "agreement"],
    note: "m gives no logprobs, so the logprob rule was skipped",
  });
});
