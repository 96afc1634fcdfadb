/**
 * Ollama cloud models are not local. Since Ollama 0.12, /api/tags lists pulled `*-cloud` models with a
 * `remote_host` (api/types.go ListModelResponse) and /api/generate and /api/chat forward them to that host
 * (server/routes.go GenerateHandler/ChatHandler: `if m.Config.RemoteHost != "" …` proxies the request). Ollama
 * itself decides "cloud" from the name (internal/modelref/modelref.go parseSourceSuffix: tag "cloud" or ending in
 * "-cloud") or from the model's config (a model created FROM a cloud model keeps its remote_host). These tests
 * check that Chorus decides the same way, for privacy, the budget and routing tags.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { defaultConfig, isLocal, parseModelConfig, type ChorusConfig, type ModelConfig } from "../../../src/core/config";
import { discoverOllamaModels, markOllamaCloudModels } from "../../../src/core/discovery";
import { createEngine, type Engine } from "../../../src/core/engine";
import { isPrivacyBlocked } from "../../../src/core/privacy";
import { providerFactory } from "../../../src/core/providers/factory";
import { isOllamaCloudName } from "../../../src/core/providers/ollama-facts";
import { startFakeOllama, type FakeServer } from "../../fixtures/fake-ollama";

const REMOTE = "https://ollama.com:443";
const SECRET_FILE = "/work/app/.env";
const noRetry = { timeoutMs: 3_000, retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 0 } };

/** Requests that carried a prompt to a model (not listings or /api/show). */
const prompts = (s: FakeServer, model: string): FakeServer["requests"] =>
  s.requests.filter((r) => (r.path === "/api/generate" || r.path === "/api/chat" || r.path === "/api/embed") && r.model === model);

function engineFor(models: ModelConfig[], extra: Partial<ChorusConfig> = {}): Engine {
  return createEngine({
    config: { ...defaultConfig(), ...extra, models },
    providerFactory: providerFactory({ policy: noRetry }),
    secrets: async () => undefined,
    ledgerDir: mkdtempSync(join(tmpdir(), "chorus-ollama-cloud-")),
  });
}

void describe("Ollama cloud models", () => {
  let fake: FakeServer;
  before(async () => {
    fake = await startFakeOllama({
      models: [
        "qwen2.5-coder:1.5b",
        { name: "qwen3-coder:480b-cloud", remoteHost: REMOTE },
        // Created FROM a cloud model: the name says nothing, only Ollama knows (remote_host in /api/tags and /api/show).
        { name: "team-coder:latest", remoteHost: REMOTE },
        { name: "gpt-oss:120b-cloud", remoteHost: REMOTE, cloudRefusal: "signed-out" },
        { name: "gpt-oss:20b-cloud", remoteHost: REMOTE, cloudRefusal: "disabled" },
      ],
    });
  });
  after(() => fake.close());

  void it("recognises a cloud model by name the way Ollama's modelref does", () => {
    for (const name of ["gpt-oss:120b-cloud", "qwen3-coder:480b-cloud", "gpt-oss:cloud", "deepseek-v3.1:671B-CLOUD"]) assert.ok(isOllamaCloudName(name), name);
    for (const name of ["qwen2.5-coder:1.5b", "cloud-coder:7b", "cloud", "llama3", "my/cloud-model:latest"]) assert.ok(!isOllamaCloudName(name), name);
  });

  void it("a hand-listed Ollama *-cloud model is cloud even when tagged local", () => {
    const m = parseModelConfig({ id: "c", provider: "ollama", model: "gpt-oss:120b-cloud", tags: ["local", "fast"] }, "chorus.models[0]");
    assert.deepEqual(m.tags, ["fast", "cloud"]);
    assert.equal(isLocal(m), false);
    assert.equal(isLocal({ id: "raw", provider: "ollama", model: "gpt-oss:20b-cloud" }), false, "even without parsing, the name decides");
    assert.equal(isLocal({ id: "l", provider: "ollama", model: "qwen2.5-coder:1.5b" }), true);
  });

  void it("discovery tags what Ollama forwards as cloud: by name and by remote_host", async () => {
    const found = await discoverOllamaModels(fake.url);
    const tags = Object.fromEntries(found.map((m) => [m.model, m.tags]));
    assert.deepEqual(tags["qwen2.5-coder:1.5b"], ["local", "code", "fast"]);
    assert.deepEqual(tags["qwen3-coder:480b-cloud"], ["cloud", "code"], "a cloud coder is not 'fast' or 'local'");
    assert.deepEqual(tags["team-coder:latest"], ["cloud", "code"]);
    for (const m of found) assert.equal(isLocal(m), m.model === "qwen2.5-coder:1.5b", m.model);
  });

  void it("configured models that Ollama lists with a remote_host are marked cloud at load", async () => {
    const marked = await markOllamaCloudModels(
      [
        { id: "team", provider: "ollama", endpoint: fake.url, model: "team-coder", tags: ["local", "fast"] },
        { id: "here", provider: "ollama", endpoint: fake.url, model: "qwen2.5-coder:1.5b", tags: ["local"] },
      ],
      fake.url,
    );
    assert.deepEqual(
      marked.map((m) => m.tags),
      [["fast", "cloud"], ["local"]],
    );
  });

  void it("content of a protected file never reaches an Ollama cloud model; the refusal says why", async () => {
    const engine = engineFor([
      { id: "by-name", provider: "ollama", endpoint: fake.url, model: "qwen3-coder:480b-cloud" },
      // Configured as local; only Ollama's /api/show tells it runs elsewhere.
      { id: "by-ollama", provider: "ollama", endpoint: fake.url, model: "team-coder:latest", tags: ["local", "fast"] },
    ]);
    try {
      for (const id of ["by-name", "by-ollama"]) {
        await assert.rejects(
          engine.models.complete(id, "API_TOKEN=", "", {}, { surface: "completion", mode: "single", filePath: SECRET_FILE }),
          (e: unknown) =>
            isPrivacyBlocked(e) && e.message.includes(`Not sent to "${id}"`) && e.message.includes('".env matches the privacy rule "**/.env"'.slice(1)),
        );
        await assert.rejects(
          engine.models.chat(id, [{ role: "user", content: "hi" }], {}, { surface: "ask", mode: "single", filePath: SECRET_FILE }),
          isPrivacyBlocked,
        );
      }
      assert.equal(prompts(fake, "qwen3-coder:480b-cloud").length, 0, "nothing was sent to the *-cloud model");
      assert.equal(prompts(fake, "team-coder:latest").length, 0, "nothing was sent to the forwarded model");
      // An ordinary file may go to a cloud model (no local-only rule covers it).
      const ok = await engine.models.complete("by-ollama", "const x = ", "", {}, { surface: "completion", mode: "single", filePath: "/work/app/main.ts" });
      assert.match(ok.text, /team-coder/);
      const blocked = engine.ledger.read().filter((e) => e.decision === "privacy-block");
      assert.equal(blocked.length, 4, "every refusal is in the ledger");
    } finally {
      await engine.dispose();
    }
  });

  void it("the monthly budget cap stops an Ollama model that runs in the cloud once it is reached", async () => {
    // A price the user set for an Ollama cloud model: the first call spends past the $1 cap, the second is stopped.
    const engine = engineFor([{ id: "paid", provider: "ollama", endpoint: fake.url, model: "team-coder:latest", priceIn: 1_000_000, priceOut: 0 }], {
      budgetUsd: 1,
    });
    try {
      await engine.models.budget.loaded;
      await engine.models.chat("paid", [{ role: "user", content: "one two" }], {}, { surface: "ask", mode: "single" });
      const sent = prompts(fake, "team-coder:latest").length;
      await assert.rejects(engine.models.chat("paid", [{ role: "user", content: "again" }], {}, { surface: "ask", mode: "single" }), /Cloud budget reached/);
      assert.equal(prompts(fake, "team-coder:latest").length, sent, "the stopped call sent nothing");
    } finally {
      await engine.dispose();
    }
  });

  void it("local-only mode keeps every request away from Ollama cloud models", async () => {
    const engine = engineFor([{ id: "by-ollama", provider: "ollama", endpoint: fake.url, model: "team-coder:latest" }], {
      privacy: { ...defaultConfig().privacy, localOnly: true },
    });
    const before = prompts(fake, "team-coder:latest").length;
    try {
      await assert.rejects(engine.models.chat("by-ollama", [{ role: "user", content: "hi" }], {}, { surface: "ask", mode: "single" }), /local-only mode is on/);
      assert.equal(prompts(fake, "team-coder:latest").length, before);
    } finally {
      await engine.dispose();
    }
  });

  void it("Ollama's refusals of a cloud model say what to do (sign in, or cloud turned off), not 'set an API key'", async () => {
    const engine = engineFor([
      { id: "out", provider: "ollama", endpoint: fake.url, model: "gpt-oss:120b-cloud" },
      { id: "off", provider: "ollama", endpoint: fake.url, model: "gpt-oss:20b-cloud" },
    ]);
    try {
      const ask = (id: string) => engine.models.chat(id, [{ role: "user", content: "hi" }], {}, { surface: "ask", mode: "single" });
      await assert.rejects(ask("out"), /not signed in to ollama\.com — run `ollama signin`, or choose a local model/);
      await assert.rejects(ask("off"), /cloud use is turned off in this Ollama — turn it on, or choose a local model/);
    } finally {
      await engine.dispose();
    }
  });

  void it("when Ollama cannot say where a model runs, a protected file is not sent (and the message says to check Ollama)", async () => {
    // Port 47: nothing listens. A local-looking model, a protected file: Chorus cannot confirm it stays here.
    const engine = engineFor([{ id: "unknown", provider: "ollama", endpoint: "http://127.0.0.1:47", model: "coder:7b" }]);
    try {
      await assert.rejects(
        engine.models.complete("unknown", "API_TOKEN=", "", {}, { surface: "completion", mode: "single", filePath: SECRET_FILE }),
        (e: unknown) => isPrivacyBlocked(e) && /could not ask .* whether it runs "coder:7b" on this machine.*Check that Ollama is running/.test(e.message),
      );
    } finally {
      await engine.dispose();
    }
  });
});
