// A real engine for the routing tests: a local model behind the fake Ollama server and a cloud model behind the
// fake OpenAI server, both speaking the real wire formats, so every request a model "receives" is recorded by
// the server that received it.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiCollab, type ApiCollabOptions } from "../../../src/core/collab/api/api-collab";
import { defaultConfig, type ChorusConfig, type ModelConfig } from "../../../src/core/config";
import { createEngine, type Engine } from "../../../src/core/engine";
import { providerFactory } from "../../../src/core/providers/factory";
import { startFakeOllama, type FakeServer, type ReplyFn } from "../../fixtures/fake-ollama";
import { startFakeOpenAI } from "../../fixtures/fake-openai";

export interface Rig {
  engine: Engine;
  collab: ApiCollab;
  local: FakeServer;
  cloud: FakeServer;
  storageDir: string;
  close(): Promise<void>;
}

export interface RigOptions {
  localReply?: ReplyFn;
  cloudReply?: ReplyFn;
  config?: Partial<ChorusConfig>;
  collab?: Partial<ApiCollabOptions>;
  extraModels?: (local: FakeServer, cloud: FakeServer) => ModelConfig[];
}

export async function startRig(opts: RigOptions = {}): Promise<Rig> {
  const local = await startFakeOllama({ models: ["coder:1b"], reply: opts.localReply ?? ((r) => `local says ${r.model}`) });
  const cloud = await startFakeOpenAI({ models: ["gpt-big"], apiKey: "sk-test", reply: opts.cloudReply ?? ((r) => `cloud says ${r.model}`) });
  const models: ModelConfig[] = [
    { id: "small", provider: "ollama", endpoint: local.url, model: "coder:1b", tags: ["local", "fast"] },
    { id: "big", provider: "openai", endpoint: cloud.url, model: "gpt-big", tags: ["cloud", "strong"], priceIn: 10, priceOut: 30, apiKeySecret: "KEY" },
    ...(opts.extraModels?.(local, cloud) ?? []),
  ];
  const config: ChorusConfig = { ...defaultConfig(), models, ...opts.config };
  const storageDir = mkdtempSync(join(tmpdir(), "chorus-routing-"));
  const collab = new ApiCollab(join(storageDir, "routing"), opts.collab);
  const engine = createEngine({
    config,
    providerFactory: providerFactory({ policy: { timeoutMs: 5_000, retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 0 } } }),
    secrets: async (name) => (name === "KEY" ? "sk-test" : undefined),
    ledgerDir: join(storageDir, "ledger"),
    collab,
  });
  return {
    engine,
    collab,
    local,
    cloud,
    storageDir,
    close: async () => {
      await Promise.all([local.close(), cloud.close()]);
    },
  };
}

/** Requests that carried content to a model (not model listings, nor Ollama's /api/show about a model). */
export function modelRequests(s: FakeServer): FakeServer["requests"] {
  return s.requests.filter((r) => r.method === "POST" && r.path !== "/api/show");
}
