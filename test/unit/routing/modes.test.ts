// The API-level modes against the fake Ollama (local "small") and fake OpenAI (cloud "big") servers.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiCollab } from "../../../src/core/collab/api/api-collab";
import type { CompletionInput } from "../../../src/core/modes";
import { modelRequests, startRig } from "./setup";

const signal = (): AbortSignal => new AbortController().signal;
const line: CompletionInput = {
  prefix: "function add(a, b) {\n  return ",
  suffix: "\n}\n",
  languageId: "typescript",
  filePath: "/p/src/add.ts",
  atLineEnd: true,
  multiline: false,
};

void test("route: rejected cheap completions teach the router to send that kind of request to the strong model, and it is remembered", async () => {
  const rig = await startRig({ collab: { strongShare: 0.3 } });
  try {
    const first = await rig.engine.complete(line, signal(), "route");
    assert.equal(first.decision.model, "small", `a short single-line completion starts on the cheap model: ${first.decision.reason}`);
    assert.match(first.decision.reason, /short single-line completion/);
    let last = first;
    for (let i = 0; i < 30 && last.decision.model === "small"; i++) {
      const id = last.feedbackId;
      assert.ok(id, "every routed answer can take feedback");
      assert.equal(rig.collab.feedback(id, { kind: "rejected" }), true);
      last = await rig.engine.complete(line, signal(), "route");
    }
    assert.equal(last.decision.model, "big", "after enough rejections the same request goes to the strong model");
    assert.match(last.decision.reason, /→ strong/, "the reason names what the router learned");
    assert.match(last.text, /cloud says gpt-big/);
    // A fresh router loaded from the same storage makes the same decision: the learning was persisted.
    const reloaded = new ApiCollab(`${rig.storageDir}/routing`);
    const fresh = new ApiCollab(undefined);
    const req = {
      text: `${line.prefix}\n${line.suffix}`,
      surface: "completion" as const,
      languageId: "typescript",
      filePath: line.filePath,
      cursor: { atLineEnd: true, multiline: false, prefixChars: line.prefix.length, suffixChars: line.suffix.length },
    };
    assert.ok(reloaded.router.score(req).p > fresh.router.score(req).p + 0.3);
    // Accepting cheap answers pulls it back: feedback works in both directions.
    const before = rig.collab.router.score(req).p;
    const cheapServed = rig.collab.remember({
      kind: "route",
      features: rig.collab.router.score(req).features,
      prior: rig.collab.router.score(req).prior,
      served: "cheap",
    });
    rig.collab.feedback(cheapServed, { kind: "accepted" });
    assert.ok(rig.collab.router.score(req).p < before);
  } finally {
    await rig.close();
  }
});

void test("route: a long reasoning question goes to the strong model with no data at all (zero-shot prior)", async () => {
  const rig = await startRig();
  try {
    const q =
      "Explain step by step why this architecture has a trade-off between latency and consistency, and compare the alternatives. " +
      "Consider the code. ".repeat(40);
    const a = await rig.engine.ask(q, { filePath: "/p/a.ts", modeId: "route" }, signal());
    assert.equal(a.decision.model, "big", a.decision.reason);
    assert.match(a.decision.reason, /asks for reasoning/);
    const b = await rig.engine.ask("rename x?", { filePath: "/p/a.ts", modeId: "route" }, signal());
    assert.equal(b.decision.model, "small", b.decision.reason);
    const routed = rig.engine.ledger.read().filter((e) => e.mode === "route");
    assert.deepEqual(
      routed.map((e) => e.decision),
      ["routed:big", "routed:small"],
    );
    assert.ok(
      routed.every((e) => e.reason && /p\(strong\)=/.test(e.reason)),
      "every decision is explained in the ledger",
    );
  } finally {
    await rig.close();
  }
});

void test("fallback: a 429 from the cloud model falls back to the next model, recorded in the ledger", async () => {
  const rig = await startRig({ collab: { strongShare: 1 } });
  try {
    rig.cloud.setFault({ kind: "status", status: 429 });
    const a = await rig.engine.ask("Explain why", { filePath: "/p/a.ts", modeId: "route" }, signal());
    assert.equal(a.decision.model, "small");
    assert.equal(a.decision.action, "fallback");
    assert.match(a.decision.reason, /big rate-limited \(HTTP 429\)/);
    const entries = rig.engine.ledger.read();
    const failed = entries.find((e) => e.model === "big");
    assert.equal(failed?.ok, false);
    assert.equal(failed?.error, "rate_limited");
    const ok = entries.find((e) => e.model === "small");
    assert.equal(ok?.ok, true);
    assert.match(ok?.decision ?? "", /fallback:small/);
    assert.match(ok?.reason ?? "", /big rate-limited/);
  } finally {
    await rig.close();
  }
});

void test("fallback mode: an unreachable model is skipped along the configured chain", async () => {
  const rig = await startRig({
    collab: { fallbackChain: ["dead", "big", "small"] },
    extraModels: () => [{ id: "dead", provider: "ollama", endpoint: "http://127.0.0.1:9", model: "gone", tags: ["local"] }],
  });
  try {
    const c = await rig.engine.complete(line, signal(), "fallback");
    assert.match(c.text, /cloud says gpt-big|local says/);
    assert.equal(c.decision.action, "fallback");
    assert.match(c.decision.reason, /dead unreachable/);
    const dead = rig.engine.ledger.read().find((e) => e.model === "dead");
    assert.equal(dead?.error, "unreachable");
    const all = await Promise.allSettled([rig.engine.ask("hi", { modeId: "fallback" }, signal())]);
    assert.equal(all[0]?.status, "fulfilled");
  } finally {
    await rig.close();
  }
});

void test("budget: once the month's cloud spend reaches the cap, cloud calls stop with a clear notice and local models answer", async () => {
  const rig = await startRig({ collab: { strongShare: 1 }, config: { budgetUsd: 0.0001 } });
  try {
    const first = await rig.engine.ask("Explain why", { modeId: "route" }, signal());
    assert.equal(first.decision.model, "big", "under the cap the cloud model answers");
    assert.ok(rig.engine.models.budget.spentThisMonth() >= 0.0001, "that call spent the budget");
    const cloudCalls = modelRequests(rig.cloud).length;
    const second = await rig.engine.ask("Explain why", { modeId: "route" }, signal());
    assert.equal(second.decision.model, "small");
    assert.equal(modelRequests(rig.cloud).length, cloudCalls, "no request reached the cloud server");
    assert.match(second.decision.reason, /target share 0%/, "the router knows the budget is spent");
    // Any direct call to the cloud model (another mode, the CLI) is stopped at Models and recorded.
    await assert.rejects(rig.engine.models.chat("big", [{ role: "user", content: "x" }], {}, { surface: "cli", mode: "single" }), /Cloud budget reached/);
    assert.equal(modelRequests(rig.cloud).length, cloudCalls, "no request reached the cloud server");
    const stop = rig.engine.ledger.read().find((e) => e.decision === "budget-stop");
    assert.ok(stop, "the stop is in the ledger");
    assert.match(stop.reason ?? "", /Cloud budget reached: \$[0-9.]+ of \$0\.00010 spent this month/);
    assert.match(stop.reason ?? "", /chorus\.budgetUsd/);
  } finally {
    await rig.close();
  }
});

const tokens = (logprob: number) => ({ tokens: ["a + ", "b;"].map((token) => ({ token, logprob })) });

void test("cascade: escalates when the cheap model's token confidence is low, keeps its answer when high", async () => {
  let conf = -0.01;
  const rig = await startRig({
    localReply: () => tokens(conf),
    collab: { cascadeRules: { completion: ["logprob"], ask: ["logprob"] }, cascadeThreshold: 0.6 },
  });
  try {
    const sure = await rig.engine.complete(line, signal(), "cascade");
    assert.equal(sure.decision.model, "small");
    assert.equal(sure.decision.action, "kept");
    assert.equal(sure.text, "a + b;");
    conf = -2; // p ≈ 0.14 per token
    const unsure = await rig.engine.complete(line, signal(), "cascade");
    assert.equal(unsure.decision.model, "big", unsure.decision.reason);
    assert.equal(unsure.decision.action, "escalated");
    assert.match(unsure.decision.reason, /logprob: mean token probability 0\.14/);
    const esc = rig.engine.ledger.read().filter((e) => e.mode === "cascade");
    assert.deepEqual(
      esc.map((e) => e.model),
      ["small", "small", "big"],
    );
    assert.equal(esc[1]?.runId, esc[2]?.runId, "one run id groups the cascade's calls");
    // The request asked the local model for logprobs, through Ollama's real field.
    assert.equal(modelRequests(rig.local).at(-1)?.body?.logprobs, true);
  } finally {
    await rig.close();
  }
});

void test("cascade: inline completions keep the cheap answer when escalating would pass the latency budget, and learn the strong model's real latency", async () => {
  // The strong model is assumed to take 800 ms until one of its calls is timed.
  const rig = await startRig({
    localReply: () => tokens(-2),
    collab: { cascadeRules: { completion: ["logprob"], ask: ["logprob"] }, cascadeThreshold: 0.6, completionLatencyBudgetMs: 100 },
  });
  try {
    const kept = await rig.engine.complete(line, signal(), "cascade");
    assert.equal(kept.decision.model, "small", kept.decision.reason);
    assert.equal(kept.decision.action, "kept");
    assert.match(kept.decision.reason, /logprob: mean token probability 0\.14.*would pass the 100 ms latency budget .*strong model takes ~800 ms/);
    assert.deepEqual(modelRequests(rig.cloud), [], "the strong model was never called");
    rig.collab.configure({ completionLatencyBudgetMs: 60_000 });
    const escalated = await rig.engine.complete(line, signal(), "cascade");
    assert.equal(escalated.decision.action, "escalated", escalated.decision.reason);
    assert.ok(rig.collab.strongLatency.expectedMs < 100, `the strong call was timed (${rig.collab.strongLatency.expectedMs} ms)`);
    // Now that the strong model is known to be fast, the same 100 ms budget allows escalating.
    rig.collab.configure({ completionLatencyBudgetMs: 100 });
    const fast = await rig.engine.complete(line, signal(), "cascade");
    assert.equal(fast.decision.action, "escalated", fast.decision.reason);
    // Ask has no latency budget: a person waits for a better answer, however slow the strong model has become.
    for (let i = 0; i < 10; i++) rig.collab.strongLatency.observe(10_000);
    const ask = await rig.engine.ask("What does this do?", { code: "x++", modeId: "cascade" }, signal());
    assert.equal(ask.decision.action, "escalated", ask.decision.reason);
  } finally {
    await rig.close();
  }
});

void test("cascade: a verifier that says no escalates an Ask; one that says yes keeps the cheap answer", async () => {
  let verdict = "Yes";
  const rig = await startRig({
    localReply: (r) => (r.prompt.includes("Reply Yes or No") ? verdict : "cheap answer"),
    collab: { cascadeRules: { completion: ["logprob"], ask: ["verify"] } },
  });
  try {
    const kept = await rig.engine.ask("What does this do?", { code: "x++", modeId: "cascade" }, signal());
    assert.equal(kept.text, "cheap answer");
    assert.match(kept.decision.reason, /verif/);
    verdict = "No";
    let streamed = "";
    const esc = await rig.engine.ask("What does this do?", { code: "x++", modeId: "cascade" }, signal(), (t) => (streamed += t));
    assert.equal(esc.decision.action, "escalated");
    assert.match(esc.text, /cloud says/);
    assert.equal(streamed, esc.text, "the user sees the answer that stands, not the discarded one");
  } finally {
    await rig.close();
  }
});

void test("cascade: two cheap answers that disagree escalate; answers that agree are kept", async () => {
  let agree = true;
  const rig = await startRig({
    // The second opinion is sampled hotter; whether it agrees is up to the test.
    localReply: (r) => {
      const hot = ((r.body?.options as { temperature?: number } | undefined)?.temperature ?? 0) > 0.5;
      return hot && !agree ? "b - a;" : "a + b;";
    },
    collab: { cascadeRules: { completion: ["agreement"], ask: ["agreement"] }, cascadeThreshold: 0.9 },
  });
  try {
    const kept = await rig.engine.complete(line, signal(), "cascade");
    assert.equal(kept.decision.action, "kept", kept.decision.reason);
    assert.equal(kept.text, "a + b;");
    agree = false;
    const esc = await rig.engine.complete(line, signal(), "cascade");
    assert.equal(esc.decision.action, "escalated");
    assert.match(esc.decision.reason, /agreement: two cheap answers overlap/);
  } finally {
    await rig.close();
  }
});

void test("cascade: the learned scorer learns from rejected cheap answers to escalate that kind of answer", async () => {
  const rig = await startRig({
    localReply: () => "maybe perhaps TODO",
    collab: { cascadeRules: { completion: ["learned"], ask: ["learned"] }, cascadeThreshold: 0.5 },
  });
  try {
    let out = await rig.engine.complete(line, signal(), "cascade");
    assert.equal(out.decision.action, "kept", "an untrained scorer does not vote");
    for (let i = 0; i < 20 && out.decision.action === "kept"; i++) {
      rig.collab.feedback(out.feedbackId!, { kind: "rejected" });
      out = await rig.engine.complete(line, signal(), "cascade");
    }
    assert.equal(out.decision.action, "escalated", out.decision.reason);
    assert.match(out.decision.reason, /learned scorer/);
  } finally {
    await rig.close();
  }
});

void test("ask with fallback: a model that fails mid-answer is named before the next model's answer", async () => {
  const rig = await startRig({ collab: { fallbackChain: ["big", "small"] } });
  try {
    rig.cloud.setFault({ kind: "stream-error", afterChunks: 3, message: "overloaded" });
    rig.cloud.setReply(() => "partial answer that never ends");
    let shown = "";
    const a = await rig.engine.ask("why?", { modeId: "fallback" }, signal(), (t) => (shown += t));
    assert.equal(a.decision.model, "small");
    assert.match(shown, /big stopped answering; small answers instead/);
    assert.match(shown, /local says coder:1b$/);
  } finally {
    await rig.close();
  }
});
