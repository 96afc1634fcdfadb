// A scripted model backend for orchestration tests: a real Models + Ledger over a Provider whose replies come
// from a function of (model, messages). It streams replies in pieces and honours the AbortSignal like a real one.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig, type ModelConfig } from "../../../src/core/config";
import { Ledger } from "../../../src/core/ledger";
import { Models } from "../../../src/core/models";
import { ProviderError } from "../../../src/core/providers/errors";
import type { ChatMessage, ChatRequest, Delta, Provider } from "../../../src/core/providers/types";

export type Script = (model: string, messages: ChatMessage[]) => string | Error | Promise<string | Error>;

export interface Scripted {
  models: Models;
  ledger: Ledger;
  calls: { model: string; messages: ChatMessage[] }[];
}

export function scriptedModels(ids: string[], script: Script, opts: { chunkDelayMs?: number; priceOut?: number; cloud?: string[] } = {}): Scripted {
  const calls: Scripted["calls"] = [];
  const provider: Provider = {
    kind: "ollama",
    endpoint: "scripted://",
    capabilities: () => ({ fim: false, logprobs: false, embeddings: false }),
    listModels: async () => ids.map((name) => ({ name })),
    chat: (req: ChatRequest, signal?: AbortSignal) => stream(req, signal),
    complete: () => {
      throw new ProviderError("unsupported", "no FIM");
    },
    embed: async () => [],
  };
  async function* stream(req: ChatRequest, signal?: AbortSignal): AsyncIterable<Delta> {
    calls.push({ model: req.model, messages: req.messages });
    const reply = await script(req.model, req.messages);
    if (reply instanceof Error) throw reply;
    const pieces = reply.match(/[\s\S]{1,40}/g) ?? [""];
    for (const p of pieces) {
      if (signal?.aborted) throw Object.assign(new Error("aborted"), { name: "AbortError" });
      if (opts.chunkDelayMs) await new Promise((r) => setTimeout(r, opts.chunkDelayMs));
      if (signal?.aborted) throw Object.assign(new Error("aborted"), { name: "AbortError" });
      yield { text: p };
    }
    yield { text: "", usage: { inputTokens: 100, outputTokens: pieces.length }, finishReason: "stop" };
  }
  const modelConfigs: ModelConfig[] = ids.map((id) => ({
    id,
    provider: "ollama",
    model: id,
    priceIn: 1,
    priceOut: opts.priceOut ?? 2,
    tags: opts.cloud?.includes(id) ? ["cloud"] : ["local"],
  }));
  const ledger = new Ledger(mkdtempSync(join(tmpdir(), "chorus-review-")));
  const models = new Models(
    { ...defaultConfig(), models: modelConfigs },
    () => provider,
    async () => undefined,
    ledger,
  );
  return { models, ledger, calls };
}

/** The last user message of a call (where the prompts put the instructions). */
export function lastUser(messages: ChatMessage[]): string {
  return [...messages].reverse().find((m) => m.role === "user")?.content ?? "";
}

export function review(findings: unknown[], votes: unknown[] = [], summary = "ok"): string {
  return "```json\n" + JSON.stringify({ findings, votes, summary }) + "\n```";
}

export function verdict(summary: string, decisions: unknown[] = []): string {
  return JSON.stringify({ summary, decisions });
}

export const CODE = ["function div(a, b) {", "  return a / b;", "}", "", "const x = eval(input);"].join("\n");
