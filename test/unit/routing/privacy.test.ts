import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { defaultConfig, type ModelConfig } from "../../../src/core/config";
import { enforcePrivacy, isPrivacyBlocked, protectingGlob, withRequestFiles } from "../../../src/core/privacy";
import { modelRequests, startRig, type Rig } from "./setup";

const SECRET = "API_TOKEN=hunter2-do-not-leak";

void test("protectingGlob matches the default rules on absolute, relative and Windows paths", () => {
  const cfg = defaultConfig().privacy;
  assert.equal(protectingGlob("/home/me/app/.env", cfg), "**/.env");
  assert.equal(protectingGlob("app/.env.production", cfg), "**/.env.*");
  assert.equal(protectingGlob("C:\\work\\certs\\server.PEM", cfg), "**/*.pem");
  assert.equal(protectingGlob("/repo/config/secrets/db.yaml", cfg), "**/secrets/**");
  assert.equal(protectingGlob("/repo/src/environment.ts", cfg), undefined);
  assert.equal(protectingGlob(undefined, cfg), undefined);
});

void test("enforcePrivacy lets local models through and names the rule when it stops a cloud one", () => {
  const cfg = defaultConfig().privacy;
  const cloud: ModelConfig = { id: "big", provider: "openai", model: "x", tags: ["cloud"] };
  const local: ModelConfig = { id: "small", provider: "ollama", model: "y" };
  assert.doesNotThrow(() => enforcePrivacy(local, cfg, "/a/.env"));
  assert.doesNotThrow(() => enforcePrivacy(cloud, cfg, "/a/main.ts"));
  assert.throws(
    () => enforcePrivacy(cloud, cfg, "/a/.env"),
    (e: unknown) => isPrivacyBlocked(e) && /\.env.*"\*\*\/\.env"/.test(e.message),
  );
  assert.throws(() => enforcePrivacy(cloud, { ...cfg, localOnly: true }, "/a/main.ts"), /local-only mode/);
});

let rig: Rig;
before(async () => {
  // Both models would happily answer; the cloud one is what the router/cascade prefer when allowed.
  rig = await startRig({ collab: { strongShare: 1, cascadeRules: { completion: ["logprob"], ask: ["logprob"] } } });
});
after(async () => rig.close());

void test("no request for a protected file reaches the cloud model, through every surface and mode", async () => {
  const file = "/work/project/.env";
  const input = { prefix: `${SECRET}\nDB_`, suffix: "", languageId: "dotenv", filePath: file, atLineEnd: true, multiline: false };
  const signal = new AbortController().signal;
  for (const mode of ["route", "cascade", "fallback"]) {
    const c = await rig.engine.complete(input, signal, mode);
    assert.match(c.text, /local says/, `${mode} completion answered by the local model`);
    const a = await rig.engine.ask("what is in here?", { code: SECRET, filePath: file, modeId: mode }, signal);
    assert.match(a.text, /local says/, `${mode} ask answered by the local model`);
  }
  // "single" prefers the strong (cloud) model for questions, but only among the models the rules allow.
  await rig.engine.complete(input, signal, "single");
  const single = await rig.engine.ask("what is in here?", { code: SECRET, filePath: file, modeId: "single" }, signal);
  assert.match(single.text, /local says/, "single ask about a protected file answered locally");
  // A review-style call straight to the cloud model (what a debate participant does) is refused at Models.
  await assert.rejects(
    rig.engine.models.chat("big", [{ role: "user", content: SECRET }], {}, { surface: "review", mode: "debate", filePath: file }),
    (e: unknown) => isPrivacyBlocked(e),
  );
  // …and so is one that names no file in its context but runs inside the request's scope, as a review run does.
  await assert.rejects(
    withRequestFiles([file], () => rig.engine.models.chat("big", [{ role: "user", content: SECRET }], {}, { surface: "review", mode: "debate" })),
    (e: unknown) => isPrivacyBlocked(e),
  );
  const leaked = modelRequests(rig.cloud).filter((r) => JSON.stringify(r).includes("hunter2"));
  assert.deepEqual(leaked, [], "the cloud server never received the secret");
  assert.ok(
    modelRequests(rig.local).some((r) => JSON.stringify(r).includes("hunter2")),
    "the local server did get the work",
  );
  const blocked = rig.engine.ledger.read().filter((e) => e.decision === "privacy-block");
  assert.deepEqual(
    blocked.map((e) => [e.surface, e.model]),
    [
      ["review", "big"],
      ["review", "big"],
    ],
    "both refusals are in the ledger",
  );
  assert.ok(!JSON.stringify(rig.engine.ledger.read()).includes(file), "the ledger never holds the file path");
});

void test("the same request for an ordinary file may go to the cloud model", async () => {
  const before = modelRequests(rig.cloud).length;
  const a = await rig.engine.ask(
    "Explain step by step why this design is a trade-off",
    { code: "const x = 1;", filePath: "/work/project/src/a.ts", modeId: "route" },
    new AbortController().signal,
  );
  assert.match(a.text, /cloud says gpt-big/);
  assert.equal(modelRequests(rig.cloud).length, before + 1);
});

void test("local-only switch keeps everything on the machine", async () => {
  rig.engine.reconfigure({ ...rig.engine.config, privacy: { ...rig.engine.config.privacy, localOnly: true } });
  try {
    const before = modelRequests(rig.cloud).length;
    const a = await rig.engine.ask("Explain step by step why", { filePath: "/p/a.ts", modeId: "route" }, new AbortController().signal);
    assert.match(a.text, /local says/);
    assert.match(a.decision.reason, /./);
    assert.equal(modelRequests(rig.cloud).length, before);
  } finally {
    rig.engine.reconfigure({ ...rig.engine.config, privacy: { ...rig.engine.config.privacy, localOnly: false } });
  }
});
