// Chat templates, rendered in the helper process (isolate/) with a time limit and a cap on the prompt's size.
// A template is code from the model file: one that loops, allocates without bound or throws gets the plain
// transcript instead, with a note saying why, and is not run again for that file (same size and mtime).

import { statSync } from "node:fs";
import type { LlamaModel, LlamaTextJSON } from "node-llama-cpp";
import { nodeLlamaCpp } from "../registry/load-llama-lib";
import { IsolatedHelper, IsolateError } from "../isolate/helper";
import type { ChatRenderResult } from "../isolate/protocol";

/** One message of a conversation, as the chat routes take it. */
export interface ChatTurn {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface RenderedChat {
  text: import("node-llama-cpp").LlamaText;
  stops: string[];
}

export interface ChatTemplateOptions {
  /** Longest a render may take, the helper's start included (default 10 s). */
  timeoutMs?: number;
  /** Largest prompt a template may make beyond twice the messages' own length (default 1 MiB characters). */
  maxExtraChars?: number;
}

function stampOf(path: string): string {
  try {
    const st = statSync(path);
    return `${path}:${st.size}:${st.mtimeMs}`;
  } catch {
    return path;
  }
}

export class ChatTemplates {
  private readonly failed = new Map<string, string>();

  constructor(
    private readonly helper: IsolatedHelper,
    private readonly opts: ChatTemplateOptions = {},
  ) {}

  /** The prompt the model's template makes, or why it could not be used (the caller falls back). */
  async render(model: LlamaModel, path: string, messages: readonly ChatTurn[]): Promise<RenderedChat | { failure: string }> {
    const key = stampOf(path);
    const known = this.failed.get(key);
    if (known) return { failure: known };
    const chars = messages.reduce((s, m) => s + m.content.length, 0);
    try {
      const r = await this.helper.request<ChatRenderResult>(
        {
          kind: "chat",
          path,
          bosString: model.tokens.bosString,
          messages: messages.map((m) => ({ role: m.role, content: m.content })),
          maxChars: 2 * chars + (this.opts.maxExtraChars ?? 1 << 20),
        },
        this.opts.timeoutMs ?? 10_000,
      );
      const lib = await nodeLlamaCpp();
      const stops = r.stops.map((s) => lib.LlamaText.fromJSON(s as LlamaTextJSON).toString()).filter((s) => s.trim() !== "");
      return { text: lib.LlamaText.fromJSON(r.text as LlamaTextJSON), stops };
    } catch (e) {
      if (!(e instanceof IsolateError)) throw e;
      const failure = `the model's chat template was not used: it ${e.kind === "timeout" ? e.message : e.kind === "failed" ? `failed (${e.message})` : `stopped its process (${e.message})`}`;
      // A template the helper could not run because llama.cpp's package is missing says nothing about the file.
      if (e.kind !== "unavailable") this.failed.set(key, failure);
      return { failure };
    }
  }

  dispose(): Promise<void> {
    return this.helper.dispose();
  }
}
